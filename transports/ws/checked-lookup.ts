import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'

/** Node's `lookup` signature, as `net.connect` (and so `ws`) calls it. */
type Lookup = (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void

/**
 * A DNS lookup that refuses names resolving to an address `problem` refuses. A peer URL's host is
 * judged before the dial (core/dial-policy.ts), but a DNS name is only a name: `wss://evil.example:443`
 * may resolve to 127.0.0.1 or a link-local service. Checking what the name resolved to, at connect
 * time, closes that path (and DNS rebinding with it: the address checked is the address connected to).
 */
export function checkedLookup(problem: (ip: string) => string | undefined): Lookup {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, [])
      const refused = addresses.map((a) => problem(a.address)).find((p) => p !== undefined)
      if (refused !== undefined) return callback(Object.assign(new Error(`${hostname} resolves to a refused address: ${refused}`), { code: 'EREFUSEDADDRESS' }), [])
      if (options.all === true) return callback(null, addresses)
      const first = addresses[0]
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), [])
      callback(null, first.address, first.family)
    })
  }
}
