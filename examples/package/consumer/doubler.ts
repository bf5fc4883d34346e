// A compute job and the actor that asks for it. The job is defined at the top level of a module with
// nothing else in it: a real node's worker thread imports this module by URL (ctx.compute).
import { Schema } from 'effect'
import { defineJob, job, type Actor, type ComputeOutcome, type ComputeTag, type Context } from 'vain/core'

export const DOUBLE = defineJob<number, number>({ name: 'consumer-double/1', module: import.meta.url, run: (n) => n * 2, costMs: () => 5 })

export class Doubler implements Actor<never> {
  readonly inbox = Schema.Never
  result: ComputeOutcome | undefined

  start(ctx: Context): void {
    ctx.compute(job(DOUBLE, 21), 'double')
  }

  receive(): void {}

  computed(_tag: ComputeTag, outcome: ComputeOutcome): void {
    this.result = outcome
  }
}
