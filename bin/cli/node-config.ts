import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import sodium from 'sodium-native'
import { MODERATE_COST, type PassphraseCost } from '../../runtime/sealed-seed-file.ts'
import type { Publication, Search } from '../../actors/node/vain-node.ts'
import { parseGenesis, type Genesis } from '../../actors/node/genesis.ts'
import { MAX_RECORD_NAME_BYTES, MAX_RECORD_VALUE_BYTES } from '../../actors/peer/record.ts'
import { fromHex } from '../../core/bytes.ts'
import { dialProblem, type DialRules } from '../../core/dial-policy.ts'
import { hostScope, parseHost } from '../../core/network-address.ts'
import { ConfigError } from '../../core/errors.ts'
import { parse, parsePositiveDuration, type FlagTable } from './args.ts'
import { controlSocketPath } from './node-control.ts'

const INTERACTIVE_COST: PassphraseCost = { opslimit: sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, memlimit: sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE }
const WSS_URL = /^wss:\/\/([\w.-]+|\[[0-9a-f:]+\]):\d{1,5}$/i

/** What `vain node` was asked to do, checked: every mistake is a ConfigError naming the flag. */
export interface NodeConfig {
  readonly host: string
  readonly port: number
  readonly dir: string
  readonly passphrase: string
  readonly cost: PassphraseCost
  readonly bootstrap: readonly string[]
  /** The URL announced to peers, when it is not the listening one (behind NAT, or listening on 0.0.0.0). */
  readonly announce: string | undefined
  /** UDP port for LAN discovery; none: no LAN discovery. */
  readonly lanPort: number | undefined
  readonly lanAddress: string
  readonly tier: number
  /** Identities refused everywhere (--block), and tiers granted to others (--trust). */
  readonly blocked: readonly Uint8Array[]
  readonly trusted: readonly { readonly identity: Uint8Array; readonly tier: number }[]
  readonly publish: readonly Publication[]
  readonly find: readonly Search[]
  readonly statusEveryMs: number
  readonly jsonLogs: boolean
  /** The committee this node may vote in (--genesis), checked; none: the node runs no voter. */
  readonly genesis: Genesis | undefined
  /** The pause after each committed block (--block-interval). */
  readonly blockIntervalMs: number
}

/**
 * A real committee's pause between blocks: 1 s, CometBFT's default timeout_commit. The voter's own
 * default (100 ms) suits the simulator's virtual time; a real node makes a block at every pause even
 * when idle, each a few fsyncs per validator, so a second keeps an idle committee at one block a second.
 */
export const DEFAULT_NODE_BLOCK_INTERVAL = '1s'

/** `vain node`'s flags: they parse the command line and print `vain node --help`. */
export const NODE_FLAGS = {
  listen: { type: 'string', value: 'HOST:PORT', help: 'where to listen for TLS 1.3 WebSocket links (required; port 0: any free port)' },
  'data-dir': { type: 'string', value: 'DIR', help: 'where the identity, the store and the lock live (required)' },
  bootstrap: { type: 'string', value: 'wss://HOST:PORT', multiple: true, help: 'a node to join the network through' },
  announce: { type: 'string', value: 'wss://HOST:PORT', default: 'the --listen address', help: 'the URL peers dial, when not the listening one (behind NAT, or on 0.0.0.0)' },
  'lan-port': { type: 'string', value: 'PORT', default: 'off', help: 'UDP port for discovery by broadcast on the LAN' },
  'lan-address': { type: 'string', value: 'IPV4', default: '255.255.255.255', help: 'broadcast address for LAN discovery' },
  tier: { type: 'string', value: 'N', default: '0', help: "this node's tier, 0 to 10" },
  block: { type: 'string', value: 'IDENTITY', multiple: true, help: 'an identity refused everywhere' },
  trust: { type: 'string', value: 'IDENTITY=TIER', multiple: true, help: 'grants an identity a tier, 0 to 10' },
  publish: { type: 'string', value: 'NAME=VALUE', multiple: true, help: `publishes a record in the DHT (name up to ${MAX_RECORD_NAME_BYTES} bytes, value UTF-8 text up to ${MAX_RECORD_VALUE_BYTES} bytes)` },
  find: { type: 'string', value: 'PUBLISHER/NAME', multiple: true, help: 'looks up the record NAME that the identity PUBLISHER published' },
  'status-every': { type: 'string', value: 'DURATION', default: '5s', help: 'how often the status line is logged' },
  'json-logs': { type: 'boolean', help: 'logs as JSON lines' },
  genesis: { type: 'string', value: 'FILE', default: 'none: no voter', help: "the committee's genesis (JSON: validators' identity, weight, url); a node it lists runs the BFT voter" },
  'block-interval': { type: 'string', value: 'DURATION', default: DEFAULT_NODE_BLOCK_INTERVAL, help: 'the pause after each committed block, in which entries gather (with --genesis)' },
  kdf: { type: 'string', value: 'interactive|moderate', default: 'moderate', help: "cost of the passphrase's key derivation (interactive: faster, weaker)" },
} as const satisfies FlagTable

/** `vain node --data-dir DIR --repair`: the one flag of the repair form, beside --data-dir. */
export const REPAIR_FLAG = {
  repair: { type: 'boolean', help: 'salvages the store in --data-dir that vain node refused as damaged, and exits (takes only --data-dir)' },
} as const satisfies FlagTable

export function nodeConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const { values, positionals } = parse(argv, NODE_FLAGS)
  if (positionals.length > 0) throw new ConfigError(`unexpected argument '${positionals[0]}'`)
  if (values.listen === undefined) throw new ConfigError('--listen HOST:PORT is required (port 0: any free port)')
  const [host, port] = parseListen(values.listen)
  if (values['data-dir'] === undefined || values['data-dir'] === '') throw new ConfigError('--data-dir DIR is required (the identity and the state live there)')
  const passphrase = env.VAIN_PASSPHRASE
  if (passphrase === undefined || passphrase === '') throw new ConfigError('set VAIN_PASSPHRASE: it seals the node identity in DATA-DIR/identity.key')
  checkDataDir(values['data-dir'])
  controlSocketPath(values['data-dir']) // a data dir too deep for its control socket is refused before anything starts
  // The rules the runtime's dial policy applies (node.ts gives it the same allowLoopback): a URL it
  // would refuse at every dial is refused here, once, naming the flag.
  const rules: DialRules = { allowLoopback: hostScope(parseHost(host)) === 'loopback' }
  const bootstrap = values.bootstrap ?? []
  for (const url of bootstrap) checkPeerUrl(url, '--bootstrap', rules)
  if (values.announce !== undefined) checkPeerUrl(values.announce, '--announce', rules)
  if (values.announce === undefined && (host === '0.0.0.0' || host === '::')) {
    throw new ConfigError(`listening on ${host}, peers need a URL they can dial: give it with --announce wss://host:port`)
  }
  return {
    host,
    port,
    dir: values['data-dir'],
    passphrase,
    cost: parseCost(values.kdf),
    bootstrap,
    announce: values.announce,
    lanPort: values['lan-port'] === undefined ? undefined : parsePort(values['lan-port'], '--lan-port', 1),
    lanAddress: parseIPv4(values['lan-address'] ?? NODE_FLAGS['lan-address'].default, '--lan-address'),
    tier: values.tier === undefined ? 0 : parseIntIn(values.tier, '--tier', 0, 10),
    blocked: (values.block ?? []).map((text) => parseIdentity(text, '--block')),
    trusted: (values.trust ?? []).map(parseTrust),
    publish: parsePublications(values.publish ?? []),
    find: (values.find ?? []).map(parseSearch),
    statusEveryMs: parsePositiveDuration(values['status-every'] ?? NODE_FLAGS['status-every'].default, '--status-every'),
    jsonLogs: values['json-logs'] === true,
    genesis: values.genesis === undefined ? undefined : readGenesis(values.genesis, rules),
    blockIntervalMs: parsePositiveDuration(values['block-interval'] ?? DEFAULT_NODE_BLOCK_INTERVAL, '--block-interval'),
  }
}

// --genesis FILE: read, checked field by field, and each validator's URL judged as --bootstrap's are
// (the node dials them as it dials its bootstrap nodes).
function readGenesis(file: string, rules: DialRules): Genesis {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read --genesis ${file}: ${(error as Error).message}`)
  }
  const genesis = parseGenesis(text, `--genesis ${file}`)
  genesis.validators.forEach((v, i) => v.url !== undefined && checkPeerUrl(v.url, `--genesis ${file}: validators[${i}].url`, rules))
  return genesis
}

/**
 * `vain node --data-dir DIR --repair`: the data dir whose store to salvage, or undefined when --repair
 * is not given. It takes no other flag, and no passphrase: a repair never opens the identity.
 */
export function repairRequest(argv: readonly string[]): string | undefined {
  if (!argv.includes('--repair')) return undefined
  // Named by the flags themselves: parseArgs would name only the first, in a three-line message.
  const others = argv.filter((arg, i) => arg.startsWith('-') && arg !== '--repair' && arg !== '--data-dir' && !arg.startsWith('--data-dir=') && argv[i - 1] !== '--data-dir')
  if (others.length > 0) throw new ConfigError(`--repair takes only --data-dir DIR, got ${others.join(' ')}`)
  const parsed = parse(argv, { 'data-dir': NODE_FLAGS['data-dir'], ...REPAIR_FLAG })
  if (parsed.positionals.length > 0) throw new ConfigError(`unexpected argument '${parsed.positionals[0]}'`)
  if (parsed.values['data-dir'] === undefined || parsed.values['data-dir'] === '') throw new ConfigError('--repair needs --data-dir DIR: the data dir whose store to salvage')
  checkDataDir(parsed.values['data-dir'])
  return parsed.values['data-dir']
}

/**
 * The kernel's pseudo file systems: no place for a data dir, and Node's recursive mkdir spins for ever
 * on a missing path under /proc. Judged by the resolved path, with symbolic links followed as far as
 * the path exists, before anything touches the disk.
 */
const PSEUDO_FILE_SYSTEMS = ['/proc', '/sys', '/dev'] as const

function checkDataDir(dir: string): void {
  const path = realPrefix(resolve(dir))
  const pseudo = PSEUDO_FILE_SYSTEMS.find((root) => path === root || path.startsWith(`${root}/`))
  if (pseudo !== undefined) throw new ConfigError(`cannot use --data-dir ${dir}: it is under ${pseudo}, a pseudo file system of the kernel, not a place for data`)
}

// `path` with its longest existing prefix resolved through symbolic links (the rest as it is).
function realPrefix(path: string): string {
  let existing = path
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  const real = realpathSync(existing)
  return existing === path ? real : resolve(real, path.slice(existing.length + 1))
}

function checkPeerUrl(url: string, flag: string, rules: DialRules): void {
  if (!WSS_URL.test(url)) throw new ConfigError(`${flag} takes wss://host:port, got '${url}'`)
  const problem = dialProblem(url, rules)
  if (problem !== undefined) throw new ConfigError(`${flag} ${url}: ${problem}${/loopback/.test(problem) ? ' (loopback peers are dialled only by a node that listens on loopback)' : ''}`)
}

function parseListen(text: string | undefined): [string, number] {
  const match = text === undefined ? null : /^([\w.-]+|\[[0-9a-f:]+\]):(\d{1,5})$/i.exec(text)
  if (match === null) throw new ConfigError(`--listen takes host:port (port 0 for any free port), got '${text ?? ''}'`)
  return [match[1]!.replace(/^\[|\]$/g, ''), parsePort(match[2]!, '--listen', 0)]
}

function parsePort(text: string, flag: string, min: number): number {
  return parseIntIn(text, `${flag} port`, min, 65_535)
}

function parseIntIn(text: string, flag: string, min: number, max: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < min || n > max) throw new ConfigError(`${flag} must be an integer from ${min} to ${max}, got '${text}'`)
  return n
}

function parseIPv4(text: string, flag: string): string {
  const parts = text.split('.')
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new ConfigError(`${flag} takes an IPv4 broadcast address, got '${text}'`)
  return text
}

export function parseCost(kdf: string | undefined): PassphraseCost {
  if (kdf === undefined || kdf === 'moderate') return MODERATE_COST
  if (kdf === 'interactive') return INTERACTIVE_COST
  throw new ConfigError(`--kdf must be 'interactive' or 'moderate', got '${kdf}'`)
}

// Each --publish NAME once: a name given twice would publish both values in turn under one key.
function parsePublications(texts: readonly string[]): Publication[] {
  const publications = texts.map(parsePublication)
  const names = new Set<string>()
  for (const { name } of publications) {
    if (names.has(name)) throw new ConfigError(`--publish ${name} is given twice`)
    names.add(name)
  }
  return publications
}

// --publish NAME=VALUE: the value is UTF-8 text.
function parsePublication(text: string): Publication {
  const at = text.indexOf('=')
  if (at <= 0) throw new ConfigError(`--publish takes NAME=VALUE, got '${text}'`)
  const name = text.slice(0, at)
  const value = new TextEncoder().encode(text.slice(at + 1))
  checkName(name, '--publish')
  if (value.byteLength > MAX_RECORD_VALUE_BYTES) throw new ConfigError(`--publish ${name}: the value is ${value.byteLength} bytes, over ${MAX_RECORD_VALUE_BYTES}`)
  return { name, value }
}

// Identities are written as 64 hex digits: what a node's `listening` log gives as `identity`.
function parseIdentity(text: string, flag: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new ConfigError(`${flag} takes an identity in 64 hex digits, got '${text}'`)
  return fromHex(text)
}

// --trust IDENTITY=TIER
function parseTrust(text: string): { identity: Uint8Array; tier: number } {
  const [identity = '', tier = '', ...rest] = text.split('=')
  if (rest.length > 0 || tier === '') throw new ConfigError(`--trust takes IDENTITY=TIER, got '${text}'`)
  return { identity: parseIdentity(identity, '--trust'), tier: parseIntIn(tier, '--trust tier', 0, 10) }
}

// --find PUBLISHER/NAME
function parseSearch(text: string): Search {
  const at = text.indexOf('/')
  if (at < 0) throw new ConfigError(`--find takes PUBLISHER/NAME, got '${text}'`)
  const name = text.slice(at + 1)
  checkName(name, '--find')
  return { publisher: parseIdentity(text.slice(0, at), '--find'), name }
}

function checkName(name: string, flag: string): void {
  if (name === '') throw new ConfigError(`${flag}: the record's name is empty`)
  const bytes = new TextEncoder().encode(name).byteLength
  if (bytes > MAX_RECORD_NAME_BYTES) throw new ConfigError(`${flag}: the name '${name}' is ${bytes} bytes, over ${MAX_RECORD_NAME_BYTES}`)
}
