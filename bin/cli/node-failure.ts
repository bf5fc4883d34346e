import { resolve } from 'node:path'
import { ConfigError } from '../../core/errors.ts'
import { NodeStartError } from '../../runtime/node-start-error.ts'
import { KeyFileError } from '../../runtime/sealed-seed-file.ts'
import { StorageError } from '../../runtime/storage-error.ts'

/**
 * `vain node`'s exit statuses, by what the operator does next (docs/cli.md, "vain node"):
 * - `stopped`: SIGINT or SIGTERM stopped it (or `--repair` finished);
 * - `dataDir`: the data dir cannot be used as it is: another live process holds its lock, its store is
 *   damaged (`--repair` salvages it), or its identity key file is not a key file;
 * - `usage`: a flag, VAIN_PASSPHRASE, or what they name is wrong: fix the command line or the
 *   environment (the status every `vain` usage error has);
 * - `inUse`: a port the node needs (TCP `--listen`, UDP `--lan-port`) is held by another program;
 * - `system`: the operating system refused something else (no space, too many open files, an I/O
 *   error): the line names the operation and the OS's error code;
 * - `startFailed`: a component of the node threw in its start (a bug: the line says what it threw).
 * One table for every command: 1 and 2 mean what they mean for `vain sim` too, and 3 is `vain sim`'s
 * "the scenario's expectation did not hold", so `vain node` does not use it.
 */
export const NODE_EXIT = { stopped: 0, dataDir: 1, usage: 2, inUse: 4, system: 5, startFailed: 6 } as const
export type NodeExit = (typeof NODE_EXIT)[keyof typeof NODE_EXIT]

/** What a failed start-up tells the operator: one line (without the `vain: ` prefix) and an exit status. */
export interface StartupFailure {
  readonly message: string
  readonly status: NodeExit
}

/** An error from the operating system, as Node reports one: its code, the call, and what it was about. */
interface SystemError extends Error {
  readonly code: string
  readonly syscall: string
  readonly path?: string
  readonly address?: string
  readonly port?: number
  readonly hostname?: string
}

function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as Partial<SystemError>).code === 'string' && typeof (error as Partial<SystemError>).syscall === 'string'
}

// Error codes the operator fixes in the command line or the environment: a path that is not a
// directory (or not one they may write), an address this machine lacks, a name that does not resolve.
const USAGE_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOENT', 'EADDRNOTAVAIL', 'ENOTFOUND'])

// Why a file-system call failed, in words (Node's messages repeat the call and the path).
const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOTDIR: 'part of the path is a file, not a directory',
  EISDIR: 'it is a directory, where a file belongs',
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
}

function fileProblem({ code, syscall }: SystemError): string {
  // mkdir of a path that exists fails only when it is not a directory (the data dir is made recursively).
  if (code === 'EEXIST' && syscall === 'mkdir') return 'it is a file, not a directory'
  return FILE_PROBLEMS[code] ?? `${syscall} failed (${code})`
}

// The data dir by its flag; a file in it by its path.
function pathSubject(path: string, dir: string): string {
  return resolve(path) === resolve(dir) ? `--data-dir ${dir}` : path
}

/**
 * What a start-up failure of `vain node` on data dir `dir` means for its operator, or undefined when
 * the error is none of the known kinds (a bug: the caller lets it propagate, with its stack). Every way
 * start-up fails goes through here: the data dir's lock and store (StorageError), the identity key
 * file (KeyFileError), the operating system (sockets and files: Node's system errors, by code), and
 * checks made once the node knows more than its flags (ConfigError).
 */
export function startupFailure(error: unknown, dir: string): StartupFailure | undefined {
  if (error instanceof StorageError) {
    const hint = error.reason === 'damaged' ? `; \`vain node --data-dir ${dir} --repair\` keeps every record that verifies and moves the original aside` : ''
    return { message: `${error.message}${hint}`, status: NODE_EXIT.dataDir }
  }
  if (error instanceof KeyFileError) {
    if (error.reason === 'corrupt') return { message: error.message, status: NODE_EXIT.dataDir }
    const hint = error.reason === 'wrong-passphrase' ? ' (VAIN_PASSPHRASE must be the one it was created with)' : ''
    return { message: `${error.message}${hint}`, status: NODE_EXIT.usage }
  }
  if (error instanceof ConfigError) return { message: error.message, status: NODE_EXIT.usage }
  if (error instanceof NodeStartError) return { message: `the node did not start: ${error.message}`, status: NODE_EXIT.startFailed }
  if (!isSystemError(error)) return undefined
  const status = error.code === 'EADDRINUSE' ? NODE_EXIT.inUse : USAGE_CODES.has(error.code) ? NODE_EXIT.usage : NODE_EXIT.system
  return { message: systemProblem(error, dir), status }
}

function systemProblem(error: SystemError, dir: string): string {
  const { code, syscall } = error
  if (syscall === 'listen') return socketProblem(error, `listen on ${endpoint(error)} (--listen)`)
  if (syscall === 'bind') return socketProblem(error, `open UDP ${endpoint(error)} for LAN discovery (--lan-port, --lan-address)`)
  if (syscall === 'getaddrinfo') return `cannot listen on ${error.hostname ?? '?'} (--listen): ${code === 'ENOTFOUND' ? 'the name does not resolve' : `name lookup failed (${code})`}`
  if (error.path !== undefined) return `cannot use ${pathSubject(error.path, dir)}: ${fileProblem(error)}`
  return `cannot ${syscall}: ${fileProblem(error)}`
}

function socketProblem(error: SystemError, what: string): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `cannot ${what}: the port is in use by another program (give another port${error.syscall === 'listen' ? ', or 0 for any free one' : ''})`
    case 'EADDRNOTAVAIL':
      return `cannot ${what}: no network interface of this machine has the address ${error.address ?? '?'}`
    case 'EACCES':
    case 'EPERM':
      return `cannot ${what}: not permitted${error.port !== undefined && error.port < 1024 ? ' (ports below 1024 need privileges)' : ''}`
    default:
      return `cannot ${what}: ${error.code}`
  }
}

function endpoint(error: SystemError): string {
  const host = error.address ?? '?'
  const shown = host.includes(':') ? `[${host}]` : host
  return error.port === undefined ? shown : `${shown}:${error.port}`
}
