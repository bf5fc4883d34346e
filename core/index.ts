/**
 * `vain/core`: the actor kernel as a consumer of the package sees it (package.json `exports`). An
 * explicit list: what an actor, a component or a runtime is written against, not every helper of the
 * folder. ManualContext is in `vain/testing`.
 */
export { checkTimerDelay, type Actor, type ActorFactory, type Address, type Context, type PeerSignal, type TimerId, type TimerTag, type TraceFields } from './actor.ts'
export { COMPONENT_NAME, PROTOCOL_ID, type Component } from './component.ts'
export { liarOf, type LieContext, type Liar, type Overheard } from './byzantine.ts'
export { Composite, CompositionError } from './composite.ts'
export { MachineActor, type MachineActorOptions } from './machine-actor.ts'
export { defineJob, job, type ComputeJob, type ComputeOutcome, type ComputeTag, type JobKind } from './compute.ts'
export { DEFAULT_MAX_FRAME_BYTES, decodeFrame, encode, validate } from './codec.ts'
export { ConfigError, DecodeError, ReasonedError, type DecodeFailure } from './errors.ts'
export { Random, type Seed } from './random.ts'
export {
  DEFAULT_MAX_BLOB_BYTES,
  DEFAULT_MAX_LOG_RECORD_BYTES,
  DEFAULT_STORE_LIMITS,
  MemoryStorage,
  StoreError,
  type AppendLog,
  type BlobStore,
  type Storage,
  type StoreFailure,
  type StoreLimits,
} from './storage.ts'
export { TransportError, type BroadcastDomain, type CloseReason, type Link, type Misbehaviour, type Signer, type Transport, type TransportFailure } from './transport.ts'
export { BoundedMap } from './bounded-map.ts'
export { bytesEqual, concatBytes, fromHex, toHex } from './bytes.ts'
export { Blake2bStream, blake2b } from './hash.ts'
export { ed25519FromSeed, type Ed25519KeyPair } from './keys.ts'
export { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, SignatureVerifier, sign, verify } from './sign.ts'
export { Count, PublicKey, Signature, boundedBytes, exactBytes } from './schemas.ts'
