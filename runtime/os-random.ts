import sodium from 'sodium-native'
import { Random } from '../core/random.ts'

/**
 * A real node's random stream: every draw comes from the operating system's CSPRNG (libsodium's
 * randombytes), so key seeds and nonces drawn through `ctx.random` are unpredictable. It has the
 * Random interface so that actors draw the same way under both runtimes; it cannot be replayed.
 */
export class OsRandom extends Random {
  constructor() {
    super(new Uint8Array(16))
  }

  override nextU32(): number {
    return sodium.randombytes_random()
  }

  override bytes(n: number): Uint8Array {
    const out = Buffer.alloc(n)
    sodium.randombytes_buf(out)
    return out
  }

  /** Another OS stream: in a real node, streams are independent because every one is the OS's. */
  override split(_name: string): Random {
    return new OsRandom()
  }
}
