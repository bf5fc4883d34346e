/**
 * Where the identity stack keeps its state in its context's storage, in one place. The stack is a
 * component named `identity`, so inside a composite (VainNode) these keys live under `identity/` on
 * disk (`identity/own`, `identity/seed`, …), as they always have; a KademliaNode that builds its own
 * stack starts it under the same scope. The real runtime writes `identity/own` and `identity/seed`
 * atomically (runtime/file-storage.ts DEFAULT_ATOMIC_PREFIXES).
 */
export const IDENTITY_KEYS = {
  /** The node's own identity state: epoch, when its key was issued, sequence numbers reserved. */
  own: 'own',
  /** The master seed, when no KeyStore was given (simulation). */
  seed: 'seed',
  /** Confirmed identities' key-book records, by root (hex). */
  peer: 'peer/',
  /** Confirmed identities' replay high-water marks, by root (hex) and epoch. */
  seq: 'seq/',
} as const
