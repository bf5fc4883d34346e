/**
 * `vain/actors/identity` (package.json `exports`): a node's identity stack (keys, rotation, the key
 * book of peers, signed envelopes, replay windows), its key stores, and the proof of key ownership.
 */
export { identityStack, IdentityStack, type IdentityStackInit } from './identity-stack.ts'
export { DEFAULT_ROTATION_MS, NodeIdentity, type NodeIdentityOptions, type SealOptions } from './identity.ts'
export { EnvelopeOpener, MAX_BODY_BYTES, SignedEnvelope, type EnvelopeOpenerOptions, type Opened } from './envelope.ts'
export { DEFAULT_GRACE_MS, DEFAULT_MAX_CONFIRMED_IDENTITIES, DEFAULT_MAX_PROVISIONAL_IDENTITIES, KeyBook, type KeyBookOptions } from './key-book.ts'
export { MemoryKeyStore, ROOT_KEY, epochKey, type KeyLabel, type KeyStore } from './key-store.ts'
export { HsmError, HsmKeyStore, type Pkcs11Handle, type Pkcs11Session } from './hsm-key-store.ts'
export { RotationCertificate, certificateSignaturesHold, issueCertificate } from './certificate.ts'
export { IdentityError, type IdentityFailure } from './errors.ts'
export { OWNERSHIP_PROOF_BYTES, proveOwnership, verifyOwnership } from './ownership-proof.ts'
export { REPLAY_WINDOW, ReplayWindow } from './replay-window.ts'
