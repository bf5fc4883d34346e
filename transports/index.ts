/**
 * `vain/transports`: what every transport shares, and the in-memory one (package.json `exports`). The
 * WebSocket and UDP transports are `vain/transports/ws` and `vain/transports/udp`, so that importing
 * this one loads neither `ws` nor the X.509 code behind it.
 */
export { MemoryNetwork, MemoryTransport, type Scheduler } from './memory.ts'
export { DEFAULT_LIMITS, limitsWith, type Limits } from './limits.ts'
