import { closeSync, openSync, writeSync } from 'node:fs'
import type { TraceEvent } from '../../sim/trace.ts'

/** Writes trace events as JSON lines to a file or stdout (fd 1), buffered. */
export class TraceWriter {
  private readonly fd: number
  private lines: string[] = []

  constructor(private readonly path: string | undefined) {
    this.fd = path === undefined ? 1 : openSync(path, 'w')
  }

  write = (event: TraceEvent): void => {
    this.lines.push(JSON.stringify(event))
    if (this.lines.length >= 4096) this.flush()
  }

  close(): void {
    this.flush()
    if (this.path !== undefined) closeSync(this.fd)
  }

  private flush(): void {
    if (this.lines.length === 0) return
    writeSync(this.fd, this.lines.join('\n') + '\n')
    this.lines = []
  }
}
