import { closeSync, existsSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { ConfigError } from '../../core/errors.ts'
import type { TraceEvent } from '../../sim/trace.ts'
import { WriteFailure } from './write-failure.ts'

/** Writes trace events as JSON lines to a file or stdout (fd 1), buffered. */
export class TraceWriter {
  private readonly fd: number
  private lines: string[] = []

  /** A path that cannot be written (a missing directory, a directory, no permission) is a ConfigError: bad usage. */
  constructor(private readonly path: string | undefined) {
    this.fd = path === undefined ? 1 : openTrace(path)
  }

  write = (event: TraceEvent): void => {
    this.lines.push(JSON.stringify(event))
    if (this.lines.length >= 4096) this.flush()
  }

  close(): void {
    this.flush()
    if (this.path !== undefined) this.asWriteFailure(() => closeSync(this.fd))
  }

  private flush(): void {
    if (this.lines.length === 0) return
    const text = this.lines.join('\n') + '\n'
    this.lines = []
    this.asWriteFailure(() => writeSync(this.fd, text))
  }

  // A failed write or close (a full disk, EIO, a closed pipe) is a WriteFailure naming the trace's
  // destination; the run ends there, and the process exit closes the file.
  private asWriteFailure(io: () => void): void {
    try {
      io()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === undefined) throw error
      throw new WriteFailure(this.path === undefined ? 'the trace to stdout' : `the trace to ${this.path}`, code)
    }
  }
}

// Why a trace file could not be opened, in words; another code is shown as it is.
const OPEN_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'its directory does not exist',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of its path is not a directory',
  EACCES: 'permission denied',
  EROFS: 'the file system is read-only',
}

function openTrace(path: string): number {
  if (path === '') throw new ConfigError('--trace needs a file name (or leave it out for stdout)')
  try {
    return openSync(path, 'w')
  } catch (error) {
    const { code = 'unknown error' } = error as NodeJS.ErrnoException
    // ENOENT where the directory exists: a place that takes no new files (/proc, /sys).
    const problem = code === 'ENOENT' && existsSync(dirname(path)) ? 'no file can be created there' : (OPEN_PROBLEMS[code] ?? `open failed (${code})`)
    throw new ConfigError(`--trace ${path}: cannot write the trace there: ${problem}`)
  }
}
