import sodium from 'sodium-native'
import { asBuffer } from './bytes.ts'

/** One-shot BLAKE2b (libsodium's crypto_generichash) of `data`, `bytes` long (16..64). */
export function blake2b(data: Uint8Array, bytes = 32): Buffer {
  const out = Buffer.alloc(bytes)
  sodium.crypto_generichash(out, asBuffer(data))
  return out
}

/**
 * A running BLAKE2b over a stream of byte chunks. `digestHex()` does not end the stream: it finalises a
 * copy of the state (libsodium's state is plain memory), so a hash can be read at any step of a run.
 */
export class Blake2bStream {
  private readonly state = Buffer.alloc(sodium.crypto_generichash_STATEBYTES)

  constructor(private readonly bytes = 32) {
    sodium.crypto_generichash_init(this.state, null, bytes)
  }

  update(chunk: Uint8Array): void {
    sodium.crypto_generichash_update(this.state, asBuffer(chunk))
  }

  digestHex(): string {
    const copy = Buffer.from(this.state)
    const out = Buffer.alloc(this.bytes)
    sodium.crypto_generichash_final(copy, out)
    return out.toString('hex')
  }
}
