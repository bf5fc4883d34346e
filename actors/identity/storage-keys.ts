/**
 * Where the identity stack keeps its state in its context's storage, in one place. The `identity/`
 * prefix stays for now: until actors/node/vain-node.ts is a composite, the stack runs on the node's
 * unscoped storage, whose other keys (`node/…`, the DHT's records) must not meet these; the real
 * runtime writes `identity/own` and `identity/seed` atomically (runtime/file-storage.ts
 * DEFAULT_ATOMIC_PREFIXES); and a data dir written before keeps its identity (a node that lost `own`
 * would number its envelopes from 0 again, and its peers would refuse them as replays). Once the stack
 * runs under a composite that scopes its storage by its name, the prefix is that scope's job: these
 * four lose it here, and the keys on disk stay what they are if the scope is `identity/`.
 */
export const IDENTITY_KEYS = {
  /** The node's own identity state: epoch, when its key was issued, sequence numbers reserved. */
  own: 'identity/own',
  /** The master seed, when no KeyStore was given (simulation). */
  seed: 'identity/seed',
  /** Confirmed identities' key-book records, by root (hex). */
  peer: 'identity/peer/',
  /** Confirmed identities' replay high-water marks, by root (hex) and epoch. */
  seq: 'identity/seq/',
} as const
