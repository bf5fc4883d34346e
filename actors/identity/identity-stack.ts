import type { Result, Schema } from 'effect'
import type { Context, TimerTag } from '../../core/actor.ts'
import type { Component } from '../../core/component.ts'
import { DEFAULT_KEY_MEMO_CAPACITY, DEFAULT_SIGNATURE_MEMO_CAPACITY, SignatureVerifier } from '../../core/sign.ts'
import type { RotationCertificate } from './certificate.ts'
import { EnvelopeOpener, type EnvelopeOpenerOptions, type Opened, type SignedEnvelope } from './envelope.ts'
import type { IdentityError } from './errors.ts'
import { NodeIdentity, type NodeIdentityOptions, type SealOptions } from './identity.ts'
import { KeyBook, type KeyBookOptions } from './key-book.ts'

/**
 * What an identity stack is built from. Every field has a default, named beside the class that uses it:
 * DEFAULT_ROTATION_MS (identity.ts), DEFAULT_GRACE_MS, DEFAULT_MAX_PROVISIONAL_IDENTITIES and
 * DEFAULT_MAX_CONFIRMED_IDENTITIES (key-book.ts), DEFAULT_MARK_SYNCS_PER_SECOND and
 * DEFAULT_MARK_SYNC_BURST (envelope.ts), DEFAULT_SIGNATURE_MEMO_CAPACITY and DEFAULT_KEY_MEMO_CAPACITY
 * (core/sign.ts).
 */
export interface IdentityStackInit extends NodeIdentityOptions, Omit<KeyBookOptions, 'maxProvisional'>, Omit<EnvelopeOpenerOptions, 'maxProvisional'> {
  /** Identities held before anyone confirmed them: their key-book records and replay windows, each in a bounded LRU. */
  readonly maxProvisional?: number
  /** Signature results the verifier remembers (default DEFAULT_SIGNATURE_MEMO_CAPACITY). */
  readonly signatureMemo?: number
  /** Keys whose subgroup check the verifier remembers (default DEFAULT_KEY_MEMO_CAPACITY). */
  readonly keyMemo?: number
}

/**
 * A node's one identity stack: its own identity (root key, rotating epoch keys, sequence numbers), the
 * key book of other identities' certificates, the envelope opener with its replay windows, and the
 * signature verifier with its memo. Every component of a node that signs or opens envelopes gets this
 * one instance as a dependency (`new Thing(init, { identity })`), so consensus, reputation and learning
 * share one set of replay high-water marks and one key book, and a confirmation by one is a
 * confirmation for all.
 *
 * As a Component it sends nothing (no protocol): `start` loads keys, certificates and replay marks from
 * its storage, and `timer` rotates the epoch key. It keeps the scoped context `start` gave it and uses
 * it for the calls it serves (`seal`, `open`, `confirm`, …): their storage writes, syncs and trace
 * events are the stack's, whoever calls.
 */
export class IdentityStack implements Component {
  readonly name = 'identity'
  readonly verifier: SignatureVerifier
  private readonly own: NodeIdentity
  private readonly book: KeyBook
  private readonly opener: EnvelopeOpener
  private ctx: Context | undefined

  constructor(init: IdentityStackInit = {}) {
    this.verifier = new SignatureVerifier(init.signatureMemo ?? DEFAULT_SIGNATURE_MEMO_CAPACITY, init.keyMemo ?? DEFAULT_KEY_MEMO_CAPACITY)
    this.own = new NodeIdentity(init)
    this.book = new KeyBook(this.verifier, init)
    this.opener = new EnvelopeOpener(this.book, this.verifier, init)
  }

  /** Loads (or on first boot creates) this node's identity, then the key book and replay marks, and arms rotation. */
  start(ctx: Context): void {
    this.ctx = ctx
    this.own.start(ctx)
    this.opener.start(this.own.root, ctx)
  }

  /**
   * On the rotation timer, moves to the next epoch key (persisted and synced before use). Says
   * whether `tag` was the stack's, for a host that routes timer tags by hand (a composite routes them).
   */
  timer(tag: TimerTag, ctx: Context): boolean {
    return this.own.timerFired(tag, ctx) !== undefined
  }

  /** This node's identity: its root public key (its node id is BLAKE2b of it). */
  get root(): Uint8Array {
    return this.own.root
  }

  /** The epoch whose key signs now. */
  get epoch(): number {
    return this.own.epoch
  }

  /** The certificate of the current epoch key. */
  get certificate(): RotationCertificate {
    return this.own.certificate
  }

  /** Signs `body` into an envelope of `protocol` (a PROTOCOL_ID such as `kad/1`). */
  seal(protocol: string, body: unknown, options: SealOptions = {}): SignedEnvelope {
    return this.own.seal(protocol, body, this.context, options)
  }

  /** Signs with the root key, for statements that outlive epoch keys (see NodeIdentity.signWithRoot). */
  signWithRoot(message: Uint8Array): Uint8Array {
    return this.own.signWithRoot(message)
  }

  /**
   * Opens `envelope` as a message of `protocol`: refused (a typed IdentityError, an `envelope-rejected`
   * trace event, no state changed) if it was signed for another protocol, misdirected, unsigned by its
   * identity's key for its epoch, a replay, or its body does not decode through `body`.
   */
  open<A>(envelope: SignedEnvelope, protocol: string, body: Schema.Decoder<A>): Result.Result<Opened<A>, IdentityError> {
    return this.opener.open(envelope, protocol, body, this.context)
  }

  /** Checks who signed what, without the replay window (signed statements passed on by a third party). */
  authenticate<A>(envelope: SignedEnvelope, protocol: string, body: Schema.Decoder<A>): Result.Result<Opened<A>, IdentityError> {
    return this.opener.authenticate(envelope, protocol, body, this.context)
  }

  /** Confirms `root` (it answered at an address it announced): its certificate and replay marks become durable. */
  confirm(root: Uint8Array): boolean {
    return this.opener.confirm(root, this.context)
  }

  isConfirmed(root: Uint8Array): boolean {
    return this.book.isConfirmed(root)
  }

  /** Adds a say in which confirmed identities are never evicted (KeyBook.protect). */
  protect(isProtected: (root: Uint8Array) => boolean): void {
    this.book.protect(isProtected)
  }

  /** How many identities have replay windows held unconfirmed (bounded by `maxProvisional`). */
  get provisionalCount(): number {
    return this.opener.provisionalCount
  }

  private get context(): Context {
    if (this.ctx === undefined) throw new Error('the identity stack has not started: start it before its users')
    return this.ctx
  }
}

/** The identity stack as a component factory, in the style of the others (`identityStack(init)`). */
export function identityStack(init: IdentityStackInit = {}): IdentityStack {
  return new IdentityStack(init)
}
