/**
 * A progress bar on stderr for long runs: it appears only after a second of wall time, only on a TTY,
 * and never with --json. (bin/ runs outside the simulation, so it may read the wall clock.)
 */
export class ProgressBar {
  private readonly started = Date.now()
  private shown = false
  private lastDraw = 0

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  update(fraction: number, detail: string): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.started < 1000 || now - this.lastDraw < 100) return
    this.lastDraw = now
    this.shown = true
    const width = 30
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width)
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${detail}\x1b[K`)
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K')
  }
}
