import { linkSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fsyncDirectory, writeFileSynced } from './atomic-file.ts'
import { toHex } from '../core/bytes.ts'
import { OsRandom } from './os-random.ts'
import { StorageError } from './storage-error.ts'

/** The lock file in a data directory: the holder's process id on the first line, a random token on the second. */
export const LOCK_FILE = 'vain.lock'

// Random bytes that make each lock file unique, so a process tells its own lock (or the stale one it
// found) from another holding the same name: inode numbers are reused at once, and pids can be.
const TOKEN_BYTES = 16

// Rounds of "the lock is stale: break it, try again" before giving up. Each round needs another
// process to have taken the lock and died in between, so a few rounds are plenty.
const MAX_TAKEOVER_ROUNDS = 8

// The lock files this process holds. A lock naming our own pid that is not among them was left by an
// earlier process that had the same pid: a container's PID 1 restarted after kill -9 always does.
const heldByThisProcess = new Set<string>()

/**
 * An exclusive lock on a data directory, so two processes never run one identity over one store (one
 * process's compaction would orphan the other's writes). Node has no flock: the lock is a file,
 * created whole by hard-linking a file already holding our pid (link fails when the name exists), so no
 * one ever sees a lock without its pid. A lock whose pid is not alive (left by `kill -9`) is stale and
 * taken over: it is renamed aside and removed only if it is the very file found stale (same pid and
 * token); a live lock taken meanwhile by a racing process is put back. (Three processes racing over one stale
 * lock could still both win: one that breaks it, and one that links between the put-back's rename and
 * link. It needs three starts within microseconds on one directory.)
 */
export class DataDirLock {
  private released = false

  private constructor(
    /** The lock file. */
    readonly path: string,
    private readonly content: string,
  ) {}

  /**
   * Takes the lock on `dir` (created when missing) for this process. Throws a StorageError (reason
   * `locked`) naming the holder's pid when a live process holds it, this one included.
   */
  static acquire(dir: string): DataDirLock {
    mkdirSync(dir, { recursive: true })
    // By its real path: the same directory reached by a symlink or a relative path is the same lock.
    const path = join(realpathSync(dir), LOCK_FILE)
    for (let round = 0; round < MAX_TAKEOVER_ROUNDS; round++) {
      const content = `${process.pid}\n${toHex(new OsRandom().bytes(TOKEN_BYTES))}\n`
      if (tryCreate(path, content)) {
        removeDeadTemporaries(dir)
        heldByThisProcess.add(path)
        return new DataDirLock(path, content)
      }
      const holder = readHolder(path)
      if (holder === undefined) continue // released meanwhile: try again
      if (holder.pid === undefined) {
        throw new StorageError('locked', `${dir} has a lock file that names no process (${path}); if no vain node uses ${dir}, remove it`, path)
      }
      const ours = holder.pid === process.pid
      if (ours ? heldByThisProcess.has(path) : isAlive(holder.pid)) {
        throw new StorageError('locked', `${dir} is in use by process ${holder.pid} (lock ${path}); if that process is not a vain node, remove the lock file`, path, undefined, holder.pid)
      }
      breakStale(path, holder.content)
    }
    throw new StorageError('locked', `${dir}: the lock ${path} kept changing hands; try again`, path)
  }

  /** Releases the lock, if the lock file is still this one. Idempotent. */
  release(): void {
    if (this.released) return
    this.released = true
    heldByThisProcess.delete(this.path)
    if (readHolder(this.path)?.content === this.content) rmSync(this.path, { force: true })
  }
}

// The temporary file a process writes its pid to before linking it as the lock.
const temporaryFor = (path: string, pid: number) => `${path}.${pid}`

function tryCreate(path: string, content: string): boolean {
  const temporary = temporaryFor(path, process.pid)
  writeFileSynced(temporary, Buffer.from(content))
  try {
    linkSync(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return false
  } finally {
    rmSync(temporary, { force: true })
  }
  fsyncDirectory(dirname(path))
  return true
}

function readHolder(path: string): { pid: number | undefined; content: string } | undefined {
  try {
    const content = readFileSync(path, 'utf8')
    const firstLine = content.split('\n')[0]!
    return { pid: /^\d+$/.test(firstLine) ? Number(firstLine) : undefined, content }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0) // signal 0: only asks whether the process exists
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' // it exists, under another user
  }
}

function breakStale(path: string, staleContent: string): void {
  const aside = `${path}.stale.${process.pid}`
  try {
    renameSync(path, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // someone else broke it
    throw error
  }
  try {
    if (readFileSync(aside, 'utf8') !== staleContent) linkSync(aside, path) // a live lock, taken meanwhile: put it back
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error // EEXIST: the three-way race above
  } finally {
    rmSync(aside, { force: true })
  }
}

const TEMPORARY_NAME = new RegExp(`^${LOCK_FILE.replace('.', '\\.')}\\.(?:stale\\.)?(\\d+)$`)

// A process killed between linking its lock and removing its temporary file leaves `vain.lock.PID`.
function removeDeadTemporaries(dir: string): void {
  for (const name of readdirSync(dir)) {
    const match = TEMPORARY_NAME.exec(name)
    if (match !== null && !isAlive(Number(match[1]))) rmSync(join(dir, name), { force: true })
  }
}
