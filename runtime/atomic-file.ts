import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Replaces the file at `path` with `bytes` so that a crash at any instant leaves either the old
 * content or the new, never a mix: the bytes go to `temporary`, are fsynced, renamed over `path`, and
 * the directory is fsynced so the rename itself is durable. A failure removes the temporary file and
 * leaves `path` as it was.
 */
export function replaceFileAtomically(path: string, bytes: Uint8Array, temporary: string): void {
  try {
    writeFileSynced(temporary, bytes)
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
  fsyncDirectory(dirname(path))
}

/** Creates (or truncates) the file at `path` with `bytes`, fsynced before this returns. */
export function writeFileSynced(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'w', 0o600)
  try {
    writeAll(fd, bytes)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Makes the directory's entries (a created, renamed or linked file) durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Writes all of `bytes` at the file's position (its end, for a file opened to append). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0
  while (written < bytes.length) written += writeSync(fd, bytes, written)
}
