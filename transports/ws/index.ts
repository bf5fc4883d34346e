/** `vain/transports/ws`: WebSocket links over TLS 1.3, bound to both ends' identities (package.json `exports`). */
export { DEFAULT_CLOSE_TIMEOUT_MS, WsTransport, type WsTransportOptions } from './ws-transport.ts'
export { selfSignedCertificate, type TlsCredentials } from './certificate.ts'
