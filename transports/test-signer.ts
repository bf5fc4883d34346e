import { ed25519FromSeed } from '../core/keys.ts'
import { keyPairSigner } from '../core/sign.ts'
import type { Signer } from '../core/transport.ts'

/**
 * An Ed25519 Signer from a one-byte seed: the fixed identities of tests and benchmarks. A module of its
 * own, apart from the compliance suite, so that benchmarks (which the CLI loads) never import vitest.
 */
export function testSigner(seedByte: number): Signer {
  return keyPairSigner(ed25519FromSeed(new Uint8Array(32).fill(seedByte)))
}
