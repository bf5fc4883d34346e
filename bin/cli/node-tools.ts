import { MemoryKeyStore, ROOT_KEY } from '../../actors/identity/key-store.ts'
import { idHex, nodeIdOf } from '../../actors/peer/node-id.ts'
import { toHex } from '../../core/bytes.ts'
import { ConfigError } from '../../core/errors.ts'
import { DataDirLock } from '../../runtime/data-dir-lock.ts'
import { parse, type FlagTable } from './args.ts'
import { NODE_FLAGS, parseCost } from './node-config.ts'
import { ControlClient, ControlError } from './node-control-client.ts'
import { NODE_EXIT, startupFailure } from './node-failure.ts'
import { openSeed } from './node-identity.ts'

/**
 * `vain node identity|submit|status|chain --data-dir DIR`: an operator's tools beside a node.
 * `identity` makes (or opens) the node's sealed identity and prints it, for a genesis file, without
 * starting the node; the others talk to the node running on DIR through its control socket
 * (bin/cli/node-control.ts). Each prints JSON lines on stdout.
 */
export const NODE_TOOL_FLAGS = {
  wait: { type: 'boolean', help: 'submit: waits until each entry is in a block this node committed, and prints the block' },
  from: { type: 'string', value: 'HEIGHT', default: '0', help: 'chain: the first height to print' },
} as const satisfies FlagTable

const TOOL_FLAGS = { 'data-dir': NODE_FLAGS['data-dir'], kdf: NODE_FLAGS.kdf, ...NODE_TOOL_FLAGS } as const
/** Which flags each tool takes (beside --data-dir). */
const TAKES: Readonly<Record<string, readonly string[]>> = { identity: ['kdf'], submit: ['wait'], status: [], chain: ['from'] }

/** Runs the tool `tool` (identity, submit, status or chain; commands/index.ts dispatches); resolves with its exit status. */
export async function nodeToolCommand(tool: string, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, TOOL_FLAGS)
  const dir = values['data-dir']
  if (dir === undefined || dir === '') throw new ConfigError(`vain node ${tool} needs --data-dir DIR: the node's data dir`)
  for (const flag of Object.keys(values)) if (flag !== 'data-dir' && !TAKES[tool]!.includes(flag)) throw new ConfigError(`vain node ${tool} does not take --${flag}`)
  if (tool !== 'submit' && positionals.length > 0) throw new ConfigError(`unexpected argument '${positionals[0]}'`)
  if (tool === 'identity') return identityTool(dir, values.kdf)
  if (tool === 'submit' && positionals.length === 0) throw new ConfigError('vain node submit takes the entries to submit: vain node submit --data-dir DIR TEXT...')
  const from = values.from === undefined ? 0 : Number(values.from)
  if (!Number.isSafeInteger(from) || from < 0 || !/^\d+$/.test(values.from ?? '0')) throw new ConfigError(`--from must be a height (0 or more), got '${values.from}'`)
  let client: ControlClient
  try {
    client = await ControlClient.connect(dir)
  } catch (error) {
    return failed(error)
  }
  try {
    if (tool === 'status') print(await client.status())
    else if (tool === 'chain') await printChain(client, from)
    else await submitAll(client, positionals, values.wait === true)
    return NODE_EXIT.stopped
  } catch (error) {
    return failed(error)
  } finally {
    client.close()
  }
}

// Each entry (UTF-8 text) is queued, then, with --wait, awaited: one line as it is queued, one as it commits.
async function submitAll(client: ControlClient, texts: readonly string[], wait: boolean): Promise<void> {
  const commits: Promise<void>[] = []
  for (const text of texts) {
    const submitted = await client.submit(new TextEncoder().encode(text), wait)
    print({ digest: submitted.digest, queued: true })
    if (submitted.committed !== undefined) commits.push(submitted.committed.then((block) => print({ digest: submitted.digest, committed: block })))
  }
  await Promise.all(commits)
}

async function printChain(client: ControlClient, from: number): Promise<void> {
  for (let next = from; ; ) {
    const page = await client.chain(next)
    for (const block of page.blocks) print(block)
    next += page.blocks.length
    if (page.blocks.length === 0 || next >= page.height) return
  }
}

// The identity, made and sealed as a first start would make it (VAIN_PASSPHRASE, --kdf), under the
// data dir's lock: a running node holds it (`vain node status` gives its identity then).
function identityTool(dir: string, kdf: string | undefined): number {
  const passphrase = process.env.VAIN_PASSPHRASE
  if (passphrase === undefined || passphrase === '') throw new ConfigError('set VAIN_PASSPHRASE: it seals the node identity in DATA-DIR/identity.key')
  try {
    const lock = DataDirLock.acquire(dir)
    try {
      const identity = new MemoryKeyStore(openSeed(dir, passphrase, parseCost(kdf))).publicKey(ROOT_KEY)
      print({ identity: toHex(identity), nodeId: idHex(nodeIdOf(identity)) })
    } finally {
      lock.release()
    }
  } catch (error) {
    const failure = startupFailure(error, dir)
    if (failure === undefined) throw error
    console.error(`vain: ${failure.message}`)
    return failure.status
  }
  return NODE_EXIT.stopped
}

// A node that is not there, stopped mid-answer, or refused: one `vain: …` line, status 1.
function failed(error: unknown): number {
  if (!(error instanceof ControlError)) throw error
  console.error(`vain: ${error.reason === 'no-node' || error.reason === 'closed' ? '' : `the node refused (${error.reason}): `}${error.message}`)
  return NODE_EXIT.dataDir
}

function print(value: unknown): void {
  console.log(JSON.stringify(value))
}
