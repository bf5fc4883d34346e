// The actor of docs/actors.md, as a consumer of the package writes it: every import goes through the
// package's `exports` map. examples/package/package.test.ts type-checks and runs it from the packed tarball.
import { Schema } from 'effect'
import type { Actor, Address, Context, TimerTag } from 'vain/core'

const Ping = Schema.Struct({ type: Schema.Literals(['ping', 'pong']), n: Schema.Int })
type Ping = typeof Ping.Type

export class Pinger implements Actor<Ping> {
  readonly inbox = Ping // every inbound message is decoded through this first
  pongs = 0

  constructor(
    private readonly peer: Address,
    private readonly everyMs = 1000,
  ) {}

  start(ctx: Context): void {
    // at boot and after every restart
    ctx.setTimer(this.everyMs, 'tick')
  }

  receive(message: Ping, from: Address, ctx: Context): void {
    if (message.type === 'ping') ctx.send(from, { type: 'pong', n: message.n })
    else this.pongs++
  }

  timer(_tag: TimerTag, ctx: Context): void {
    ctx.send(this.peer, { type: 'ping', n: ctx.random.int(100) })
    ctx.setTimer(this.everyMs, 'tick')
  }
}
