/** Prints a summary object as aligned `key  value` lines for people (with --json, one JSON line instead). */
export function printSummary(summary: Readonly<Record<string, unknown>>, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(summary))
    return
  }
  const width = Math.max(...Object.keys(summary).map((k) => k.length))
  for (const [key, value] of Object.entries(summary)) {
    if (key === 'violations') continue
    console.log(`${key.padEnd(width)}  ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
  }
  const violations = summary.violations as readonly { invariant: string; message: string; step: number; timeMs: number; replay: string }[]
  if (violations.length === 0) console.log(`${'violations'.padEnd(width)}  none`)
  for (const v of violations) {
    console.log(`\nVIOLATION of '${v.invariant}' at step ${v.step} (t=${v.timeMs} ms): ${v.message}`)
    console.log(`replay with:\n  ${v.replay}`)
  }
}
