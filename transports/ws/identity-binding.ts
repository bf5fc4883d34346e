import type { TLSSocket } from 'node:tls'
import { Result, Schema } from 'effect'
import { concatBytes } from '../../core/bytes.ts'
import { decodeFrame, encode } from '../../core/codec.ts'
import { PublicKey, Signature } from '../../core/schemas.ts'
import { verify } from '../../core/sign.ts'
import { TransportError, type Signer } from '../../core/transport.ts'

/**
 * Binds a TLS 1.3 session to the Ed25519 identities of its two ends. Right after the handshake each
 * side signs the session's exported keying material (RFC 8446 §7.5, RFC 5705) with its identity key.
 * The material is unique to the session and both ends derive the same, so a man in the middle, who
 * must run one TLS session with each side, would present signatures over the wrong session's material
 * and fail; a peer without the identity's secret key cannot sign at all.
 */
const EXPORTER_LABEL = 'EXPORTER-vain-identity-binding-v1'
const SIGNED_DOMAIN = new TextEncoder().encode('vain.tls-identity-binding.v1')

export type Role = 'dialer' | 'listener'

export const Hello = Schema.Struct({ type: Schema.Literal('vain-hello'), version: Schema.Literal(1), identity: PublicKey, sig: Signature })
export type Hello = typeof Hello.Type

/** The session's exported keying material (32 bytes). */
export function sessionBinding(socket: TLSSocket): Uint8Array {
  if (socket.getProtocol() !== 'TLSv1.3') throw new TransportError('handshake-failed', `negotiated ${socket.getProtocol()}, not TLS 1.3`)
  return socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0))
}

function signedPart(role: Role, binding: Uint8Array): Uint8Array {
  return concatBytes(SIGNED_DOMAIN, new TextEncoder().encode(role), binding)
}

/** This side's hello: its identity and its signature over the session binding and its role. */
export function hello(signer: Signer, role: Role, binding: Uint8Array): Uint8Array {
  return encode({ type: 'vain-hello', version: 1, identity: signer.publicKey, sig: signer.sign(signedPart(role, binding)) } satisfies Hello)
}

/** The identity the peer proved with its hello, or why it did not. */
export function checkHello(frame: Uint8Array, peerRole: Role, binding: Uint8Array): Result.Result<Uint8Array, TransportError> {
  const decoded = decodeFrame(frame, Hello, 1024)
  if (Result.isFailure(decoded)) return Result.fail(new TransportError('handshake-failed', `not a hello: ${decoded.failure.message}`))
  if (!verify(decoded.success.identity, signedPart(peerRole, binding), decoded.success.sig)) {
    return Result.fail(new TransportError('handshake-failed', 'the hello signature does not cover this TLS session'))
  }
  return Result.succeed(decoded.success.identity)
}
