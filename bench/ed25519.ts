import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { ed25519FromSeed } from '../core/keys.ts'
import { SignatureVerifier, sign, verify } from '../core/sign.ts'
import { formatTable, type Bench } from './bench.ts'
import { BENCH_CATALOGUE } from './catalogue.ts'

/**
 * Ed25519 signatures per second: libsodium (sodium-native, what vAIn uses) beside OpenSSL (node:crypto)
 * on the same keys and messages, in the same run; and the verification memo on repeats, the case of
 * one broadcast verified by every node of a simulation.
 */
export interface Ed25519Row {
  readonly operation: string
  readonly perSec: number
  readonly baseline: string
  readonly baselinePerSec: number
  readonly ratio: number
}

const MESSAGE_BYTES = 256

function rate(iterations: number, body: (i: number) => void): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) body(i)
  return Math.round(iterations / (Number(process.hrtime.bigint() - start) / 1e9))
}

// Node imports a raw Ed25519 key through JWK (its PKCS#8/SPKI forms need DER wrappers).
function nodeKeys(seed: Uint8Array, publicKey: Uint8Array): { priv: KeyObject; pub: KeyObject } {
  const x = Buffer.from(publicKey).toString('base64url')
  const d = Buffer.from(seed).toString('base64url')
  return {
    priv: createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x, d }, format: 'jwk' }),
    pub: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
  }
}

export const ed25519Bench: Bench<Ed25519Row> = {
  ...BENCH_CATALOGUE.ed25519,
  run({ quick, log }) {
    const n = quick ? 2_000 : 20_000
    const seed = new Uint8Array(32).fill(42)
    const keys = ed25519FromSeed(seed)
    const node = nodeKeys(seed, keys.publicKey)
    const messages = Array.from({ length: 256 }, (_, i) => new Uint8Array(MESSAGE_BYTES).fill(i))
    const signatures = messages.map((m) => sign(keys.secretKey, m))
    const nodeSignatures = messages.map((m) => nodeSign(null, m, node.priv))
    if (!signatures.every((s, i) => Buffer.from(s).equals(nodeSignatures[i] as Buffer))) throw new Error('libsodium and OpenSSL disagree on a signature')

    const at = (i: number) => i & 255
    const sodiumSign = rate(n, (i) => sign(keys.secretKey, messages[at(i)]!))
    const opensslSign = rate(n, (i) => nodeSign(null, messages[at(i)]!, node.priv))
    const sodiumVerify = rate(n, (i) => verify(keys.publicKey, messages[at(i)]!, signatures[at(i)]!))
    const opensslVerify = rate(n, (i) => nodeVerify(null, messages[at(i)]!, node.pub, nodeSignatures[at(i)]!))
    const verifier = new SignatureVerifier()
    for (let i = 0; i < 256; i++) verifier.verify(keys.publicKey, messages[i]!, signatures[i]!)
    const memoVerify = rate(n * 5, (i) => verifier.verify(keys.publicKey, messages[at(i)]!, signatures[at(i)]!))

    const results: Ed25519Row[] = [
      row('sign (sodium-native)', sodiumSign, 'node:crypto', opensslSign),
      row('verify (sodium-native)', sodiumVerify, 'node:crypto', opensslVerify),
      row('verify, memo hit', memoVerify, 'sodium verify', sodiumVerify),
    ]
    for (const r of results) log(`${r.operation}: ${r.perSec.toLocaleString('en-US')}/s (${r.baseline} ${r.baselinePerSec.toLocaleString('en-US')}/s)`)
    const table = formatTable(
      ['operation', 'per second', 'baseline', 'baseline/s', 'ratio ×'],
      results.map((r) => [r.operation, r.perSec, r.baseline, r.baselinePerSec, r.ratio]),
    )
    return { bench: 'ed25519', results, table }
  },
}

function row(operation: string, perSec: number, baseline: string, baselinePerSec: number): Ed25519Row {
  return { operation, perSec, baseline, baselinePerSec, ratio: Math.round((perSec / baselinePerSec) * 100) / 100 }
}
