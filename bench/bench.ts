/** A benchmark `vain bench <name>` runs: figures beside a baseline measured in the same run. */
export interface Bench<Row extends object = object> {
  readonly name: string
  readonly description: string
  run(options: { readonly quick: boolean; readonly log: (line: string) => void }): BenchReport<Row> | Promise<BenchReport<Row>>
}

export interface BenchReport<Row extends object = object> {
  readonly bench: string
  readonly results: readonly Row[]
  /** Human-readable table of the results. */
  readonly table: string
}

/** Formats rows as an aligned text table. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US', { maximumFractionDigits: 2 }) : c)))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)))
  return cells.map((r) => r.map((c, i) => String(c).padStart(widths[i] as number)).join('  ')).join('\n')
}
