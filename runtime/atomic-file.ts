import { closeSync, fsyncSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Replaces the file at `path` with `bytes` so that a crash at any instant leaves either the old
 * content or the new, never a mix: the bytes go to `temporary`, are fsynced, renamed over `path`, and
 * the directory is fsynced so the rename itself is durable. A failure removes the temporary file and
 * leaves `path` as it was.
 */
export function replaceFileAtomically(path: string, bytes: Uint8Array, temporary: string): void {
  writeThenRename(path, bytes, temporary)
  fsyncDirectory(dirname(path))
}

/**
 * Writes `bytes` to `temporary`, fsyncs it and renames it over `path`, so `path` never holds a partial
 * file; a failure removes the temporary file and leaves `path` as it was. The rename is durable only
 * once the directory is fsynced: `replaceFileAtomically` does it at once, a store of many files at its
 * next sync.
 */
export function writeThenRename(path: string, bytes: Uint8Array, temporary: string): void {
  try {
    writeFileSynced(temporary, bytes)
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}

/**
 * Appends `batch` to the file open for appending at `fd` and fsyncs it. A failed write or fsync is cut
 * back to `end` (where the file's last whole record ends) before the error is rethrown, so the next
 * append does not land behind a partial record, which would read as damage in mid-file.
 */
export function appendSynced(fd: number, batch: Uint8Array, end: number): void {
  try {
    writeAll(fd, batch)
    fsyncSync(fd)
  } catch (error) {
    ftruncateSync(fd, end)
    throw error
  }
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
