import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Blake2bStream, blake2b } from '../core/hash.ts'
import { blobName, checkBlob, checkExpectedBlob, checkRange, corruptBlob, type BlobStore, type StoreLimits } from '../core/storage.ts'
import { fsyncDirectory, writeThenRename } from './atomic-file.ts'

/** `verify` hashes a blob in pieces of this size: its memory stays this, whatever the blob's size. */
export const VERIFY_PIECE_BYTES = 1 << 20

// A put writes here first; a crash can leave one, and opening removes it (it is never the only copy).
const WRITING = '.writing'

/**
 * A BlobStore in a directory: one file per blob, named by the hex of its hash. A put writes the bytes
 * to `HASH.writing`, fsyncs it and renames it to `HASH`, so a name never holds a partial blob; `sync()`
 * fsyncs the directory, which makes the puts and deletes since the last sync durable. Every read goes to
 * the file; `get` and `verify` hash what they read and report a blob that no longer matches its name as
 * StoreError 'corrupt' (a put of the same bytes replaces it).
 */
export class FileBlobs implements BlobStore {
  private dirty = false

  private constructor(
    private readonly dir: string,
    private readonly limits: StoreLimits,
  ) {}

  static open(dir: string, limits: StoreLimits): FileBlobs {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true })
      fsyncDirectory(dirname(dir))
    }
    for (const name of readdirSync(dir)) if (name.endsWith(WRITING)) rmSync(join(dir, name), { force: true })
    return new FileBlobs(dir, limits)
  }

  put(bytes: Uint8Array, expected?: Uint8Array): Uint8Array {
    checkBlob(bytes, this.limits)
    const hash = Uint8Array.from(blake2b(bytes))
    checkExpectedBlob(hash, expected)
    const path = this.pathOf(hash)
    if (existsSync(path) && hashOfFile(path) === blobName(hash)) return hash
    writeThenRename(path, bytes, path + WRITING)
    this.dirty = true
    return hash
  }

  get(hash: Uint8Array): Uint8Array | undefined {
    const path = this.pathOf(hash)
    if (!existsSync(path)) return undefined
    const bytes = readFileSync(path)
    if (!blake2b(bytes).equals(hash)) throw corruptBlob(blobName(hash))
    return plain(bytes)
  }

  has(hash: Uint8Array): boolean {
    return existsSync(this.pathOf(hash))
  }

  size(hash: Uint8Array): number | undefined {
    return statSync(this.pathOf(hash), { throwIfNoEntry: false })?.size
  }

  read(hash: Uint8Array, offset: number, length: number): Uint8Array | undefined {
    const path = this.pathOf(hash)
    if (!existsSync(path)) return undefined
    const fd = openSync(path, 'r')
    try {
      const size = fstatSync(fd).size
      checkRange(offset, length, size)
      const bytes = Buffer.alloc(Math.min(length, size - offset))
      let done = 0
      while (done < bytes.length) {
        const read = readSync(fd, bytes, done, bytes.length - done, offset + done)
        if (read === 0) break
        done += read
      }
      return plain(bytes.subarray(0, done))
    } finally {
      closeSync(fd)
    }
  }

  verify(hash: Uint8Array): boolean {
    const path = this.pathOf(hash)
    if (!existsSync(path)) return false
    if (hashOfFile(path) !== blobName(hash)) throw corruptBlob(blobName(hash))
    return true
  }

  delete(hash: Uint8Array): void {
    const path = this.pathOf(hash)
    if (!existsSync(path)) return
    rmSync(path)
    this.dirty = true
  }

  /** Makes the puts and deletes since the last sync durable (their files were fsynced as they were written). */
  sync(): void {
    if (!this.dirty) return
    fsyncDirectory(this.dir)
    this.dirty = false
  }

  private pathOf(hash: Uint8Array): string {
    return join(this.dir, blobName(hash))
  }
}

/** The hex BLAKE2b-256 of a file's bytes, read VERIFY_PIECE_BYTES at a time. */
function hashOfFile(path: string): string {
  const stream = new Blake2bStream()
  const piece = Buffer.alloc(VERIFY_PIECE_BYTES)
  const fd = openSync(path, 'r')
  try {
    for (let read = readSync(fd, piece, 0, piece.length, null); read > 0; read = readSync(fd, piece, 0, piece.length, null)) {
      stream.update(piece.subarray(0, read))
    }
  } finally {
    closeSync(fd)
  }
  return stream.digestHex()
}

/** The same bytes as a plain Uint8Array (what MemoryStorage returns), without a copy. */
const plain = (bytes: Buffer) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
