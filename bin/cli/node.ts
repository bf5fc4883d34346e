import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { EncryptedFileKeyStore, KeyFileError, MODERATE_COST, type PassphraseCost } from '../../actors/identity/encrypted-file-key-store.ts'
import { NodeIdentity } from '../../actors/identity/identity.ts'
import { ROOT_KEY, type KeyStore } from '../../actors/identity/key-store.ts'
import { Presence } from '../../actors/node/presence.ts'
import { toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { FileStorage } from '../../core/file-storage.ts'
import { OsRandom } from '../../core/os-random.ts'
import { NodeRuntime, type LogRecord } from '../../core/runtime.ts'
import { WsTransport } from '../../transports/ws/ws-transport.ts'
import sodium from 'sodium-native'
import { parse, parsePositiveInt } from './args.ts'

const INTERACTIVE_COST: PassphraseCost = { opslimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, memlimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE }

/**
 * `vain node`: one real node. Identity sealed in DIR/identity.key (passphrase from VAIN_PASSPHRASE),
 * state in DIR/store (FileStorage), a TLS 1.3 WebSocket listener, the presence actor, structured
 * logs; SIGINT or SIGTERM stop it gracefully (links closed, storage synced). Resolves with the exit status.
 */
export async function nodeCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    listen: { type: 'string' },
    'data-dir': { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    'json-logs': { type: 'boolean' },
    kdf: { type: 'string' },
    'ping-ms': { type: 'string' },
  })
  if (positionals.length > 0) throw new ConfigError(`unexpected argument '${positionals[0]}'`)
  const [host, port] = parseListen(values.listen)
  if (values['data-dir'] === undefined) throw new ConfigError('--data-dir DIR is required (the identity and the state live there)')
  const dir = values['data-dir']
  const passphrase = process.env.VAIN_PASSPHRASE
  if (passphrase === undefined || passphrase === '') throw new ConfigError('set VAIN_PASSPHRASE: it seals the node identity in DATA-DIR/identity.key')
  const cost = values.kdf === undefined || values.kdf === 'moderate' ? MODERATE_COST : values.kdf === 'interactive' ? INTERACTIVE_COST : undefined
  if (cost === undefined) throw new ConfigError(`--kdf must be 'interactive' or 'moderate', got '${values.kdf}'`)
  const bootstrap = values.bootstrap ?? []
  for (const url of bootstrap) if (!/^wss:\/\/[^/]+:\d+$/.test(url)) throw new ConfigError(`--bootstrap takes wss://host:port, got '${url}'`)
  const pingEveryMs = values['ping-ms'] === undefined ? 1_000 : parsePositiveInt(values['ping-ms'], '--ping-ms')

  const log = logger(values['json-logs'] === true)
  mkdirSync(dir, { recursive: true })
  const keys = openKeys(join(dir, 'identity.key'), passphrase, cost)
  const storage = FileStorage.open(join(dir, 'store'))
  const transport = await WsTransport.create({ publicKey: keys.publicKey(ROOT_KEY), sign: (m) => keys.sign(ROOT_KEY, m) }, { host, port })
  const listen = await transport.listen()
  const presence = new Presence({ listen, bootstrap, identity: new NodeIdentity(keys), pingEveryMs })
  const runtime = new NodeRuntime({ actor: presence, transport, storage, log })
  log({ event: 'listening', url: listen, identity: toHex(transport.identity) })
  runtime.start()

  return new Promise<number>((resolve) => {
    const stop = async (signal: string) => {
      log({ event: 'stopping', signal })
      await runtime.stop()
      storage.close()
      log({ event: 'stopped' })
      resolve(0)
    }
    process.once('SIGINT', () => void stop('SIGINT'))
    process.once('SIGTERM', () => void stop('SIGTERM'))
  })
}

function parseListen(text: string | undefined): [string, number] {
  const match = text === undefined ? null : /^([\w.-]+|\[[0-9a-f:]+\]):(\d{1,5})$/i.exec(text)
  if (match === null || Number(match[2]) > 65535) throw new ConfigError(`--listen takes host:port (port 0 for any free port), got '${text ?? ''}'`)
  return [match[1]!.replace(/^\[|\]$/g, ''), Number(match[2])]
}

function openKeys(path: string, passphrase: string, cost: PassphraseCost): KeyStore {
  try {
    return existsSync(path) ? EncryptedFileKeyStore.open(path, passphrase) : EncryptedFileKeyStore.create(path, passphrase, new OsRandom().bytes(32), cost)
  } catch (error) {
    if (error instanceof KeyFileError) throw new ConfigError(error.message)
    throw error
  }
}

/** JSON lines, or `time event key=value …` for people. */
function logger(json: boolean): (record: LogRecord) => void {
  return (record) => {
    const time = new Date().toISOString() // real-runtime: log timestamps
    if (json) return void process.stdout.write(`${JSON.stringify({ time, ...record })}\n`)
    const { event, ...fields } = record
    const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    process.stdout.write(`${time} ${event} ${rest.join(' ')}\n`)
  }
}
