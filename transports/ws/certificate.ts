// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

/** A TLS certificate and its private key, both PEM. */
export interface TlsCredentials {
  readonly cert: string
  readonly key: string
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

/**
 * A fresh self-signed ECDSA P-256 certificate for one node's TLS endpoint, made with @peculiar/x509
 * (a maintained X.509 library over WebCrypto) rather than hand-built ASN.1. The certificate proves
 * nothing by itself: no one checks it against a CA. Peers authenticate each other by signing the TLS
 * session's exported keying material with their Ed25519 identities (identity-binding.ts); the
 * certificate only lets TLS 1.3 run.
 */
export async function selfSignedCertificate(commonName = 'vain-node'): Promise<TlsCredentials> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const now = Date.now() // real-runtime: certificate validity on the wall clock
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex'), // real-runtime: a TLS certificate of a real listener
    name: `CN=${commonName}`,
    notBefore: new Date(now - 3600_000), // real-runtime: certificate validity
    notAfter: new Date(now + 365 * 24 * 3600_000), // real-runtime: certificate validity
    signingAlgorithm: ALGORITHM,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`
  return { cert: cert.toString('pem'), key }
}
