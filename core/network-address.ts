/*
 * What a host says about where a peer is: an IP literal's scope (loopback, link-local, …) and its
 * network group (the IPv4 /24 or IPv6 /48 it sits in), for the runtime's dial policy and the routing
 * table's diversity limits. Pure text arithmetic: no DNS, no OS.
 */

/** A host as written in a URL or a socket address. */
export type Host =
  | { readonly kind: 'ipv4'; readonly octets: readonly number[] }
  | { readonly kind: 'ipv6'; readonly hextets: readonly number[] }
  | { readonly kind: 'name'; readonly name: string }

/** Where an IP literal points, for what a node may dial. `global` covers public and private unicast. */
export type HostScope = 'loopback' | 'unspecified' | 'link-local' | 'multicast' | 'global'

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** Parses an IP literal (IPv6 with or without brackets) or keeps a host name, lowercased. */
export function parseHost(text: string): Host {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const v4 = parseIPv4(bare)
  if (v4 !== undefined) return { kind: 'ipv4', octets: v4 }
  const v6 = bare.includes(':') ? parseIPv6(bare) : undefined
  // A name's trailing dot (the DNS root: `localhost.` is `localhost`) is dropped, so it cannot dress up
  // a name as another.
  if (v6 === undefined) return { kind: 'name', name: bare.toLowerCase().replace(/\.+$/, '') }
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 host: a dual-stack socket reports IPv4
  // peers that way, and a dial to it reaches the IPv4 host.
  if (v6.slice(0, 5).every((h) => h === 0) && v6[5] === 0xffff) {
    return { kind: 'ipv4', octets: [v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff] }
  }
  return { kind: 'ipv6', hextets: v6 }
}

/** The host of a socket address `host:port` (`[v6]:port`, or an unbracketed `v6:port` as Node gives it). */
export function hostOfSocketAddress(address: string): string {
  if (address.startsWith('[')) {
    const end = address.indexOf(']')
    return end < 0 ? address : address.slice(0, end + 1)
  }
  const colon = address.lastIndexOf(':')
  return colon < 0 ? address : address.slice(0, colon)
}

export function hostScope(host: Host): HostScope {
  if (host.kind === 'name') return host.name === 'localhost' || host.name.endsWith('.localhost') ? 'loopback' : 'global'
  if (host.kind === 'ipv4') {
    const [a, b] = host.octets as [number, number]
    if (a === 127) return 'loopback'
    if (a === 0) return 'unspecified' // 0.0.0.0/8: "this network", which Linux dials as loopback
    if (a === 169 && b === 254) return 'link-local'
    if (a >= 224) return 'multicast' // 224/4 multicast, 240/4 reserved and the broadcast address
    return 'global'
  }
  const h = host.hextets
  if (h.every((x) => x === 0)) return 'unspecified'
  if (h.slice(0, 7).every((x) => x === 0) && h[7] === 1) return 'loopback'
  if ((h[0]! & 0xffc0) === 0xfe80) return 'link-local'
  if ((h[0]! & 0xff00) === 0xff00) return 'multicast'
  return 'global'
}

/**
 * The network group of a host: peers in one group are likely run by one operator, so a routing table
 * takes few of them (docs/dht.md). An IPv4 /24 (one typical allocation to a customer or a cloud
 * subnet), an IPv6 /48 (one site's allocation), a host name as itself.
 */
export function networkGroup(host: Host): string {
  if (host.kind === 'ipv4') return `${host.octets.slice(0, 3).join('.')}.0/24`
  if (host.kind === 'ipv6') return `${host.hextets.slice(0, 3).map((x) => x.toString(16)).join(':')}::/48`
  return `name:${host.name}`
}

/**
 * The key a per-address cap counts a peer under: an IPv4 address as itself (IPv4-mapped IPv6 too), an
 * IPv6 address by its /64, a host name as itself. A /64 is the smallest block an IPv6 host is given
 * (SLAAC needs one), so each host picks among 2^64 source addresses at will: counting each as its own
 * would give it as many caps as it likes.
 */
export function capKey(hostText: string): string {
  const host = parseHost(hostText)
  if (host.kind === 'ipv4') return host.octets.join('.')
  if (host.kind === 'ipv6') return `${host.hextets.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`
  return host.name
}

function parseIPv4(text: string): number[] | undefined {
  const match = IPV4.exec(text)
  if (match === null) return undefined
  const octets = match.slice(1, 5).map(Number)
  return octets.every((o) => o <= 255) ? octets : undefined
}

/** The eight 16-bit groups of an IPv6 literal (`::` compression and a dotted IPv4 tail allowed). */
function parseIPv6(text: string): number[] | undefined {
  const zone = text.indexOf('%') // fe80::1%eth0: the zone names an interface, not part of the address
  const address = zone < 0 ? text : text.slice(0, zone)
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string): number[] | undefined => {
    if (part === '') return []
    const out: number[] = []
    const pieces = part.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece)
        if (v4 === undefined) return undefined
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) out.push(Number.parseInt(piece, 16))
      else return undefined
    }
    return out
  }
  const head = parse(halves[0]!)
  const tail = halves.length === 2 ? parse(halves[1]!) : []
  if (head === undefined || tail === undefined) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const missing = 8 - head.length - tail.length
  return missing < 1 ? undefined : [...head, ...new Array<number>(missing).fill(0), ...tail]
}
