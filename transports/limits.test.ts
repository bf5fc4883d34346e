import { describe, expect, it } from 'vitest'
import { ConfigError } from '../core/errors.ts'
import { DEFAULT_LIMITS, limitsWith } from './limits.ts'

describe('limitsWith', () => {
  it('applies overrides to the defaults', () => {
    expect(limitsWith({ maxPendingPerAddress: 2 })).toEqual({ ...DEFAULT_LIMITS, maxPendingPerAddress: 2 })
  })

  it('refuses bounds that make no sense, naming them', () => {
    expect(() => limitsWith({ maxConnections: 0 })).toThrow(ConfigError)
    expect(() => limitsWith({ maxBufferedBytes: 1.5 })).toThrow(/maxBufferedBytes/)
    expect(() => limitsWith({ handshakeTimeoutMs: Number.NaN })).toThrow(/handshakeTimeoutMs/)
    // An outbound buffer that cannot hold one frame would cut every link at its first large send.
    expect(() => limitsWith({ maxBufferedBytes: 1 << 10, maxFrameBytes: 1 << 11 })).toThrow(/at least one frame/)
    expect(() => limitsWith({ maxTransportBufferedBytes: 1 << 10, maxFrameBytes: 1 << 11, maxBufferedBytes: 1 << 11 })).toThrow(/maxTransportBufferedBytes .* at least one frame/)
    expect(() => limitsWith({ maxTransportBufferedBytes: 0 })).toThrow(/maxTransportBufferedBytes/)
  })
})
