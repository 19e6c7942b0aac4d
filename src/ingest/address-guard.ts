/**
 * Address classification for outbound fetches (SSRF guard). Pure functions, no I/O.
 *
 * `isPublicAddress` answers "may the service open a connection to this IP on a user's behalf?".
 * It is deliberately conservative: anything it cannot parse, and every special-purpose range
 * (loopback, private, link-local incl. the cloud metadata address 169.254.169.254, CGNAT,
 * documentation, benchmarking, multicast, reserved...) is refused. For IPv6 only global unicast
 * (2000::/3) is considered, minus special ranges inside it; addresses that embed an IPv4 address
 * (IPv4-mapped, IPv4-compatible, 6to4, NAT64) are judged by the embedded IPv4 address or refused.
 */

/** IPv4 ranges that are not publicly routable / must not be reached: [network, prefix length]. */
const IPV4_BLOCKED: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes 255.255.255.255 broadcast
];

const IPV4_BLOCKED_NUM = IPV4_BLOCKED.map(([net, len]) => {
  const n = parseIPv4(net);
  if (n === undefined) throw new Error(`bad built-in range ${net}`);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { net: (n & mask) >>> 0, mask };
});

/**
 * Strip surrounding brackets (`[::1]`) and an IPv6 zone id (`fe80::1%eth0`). Returns the bare
 * address text and whether a zone id was present.
 */
function normalise(ip: string): { text: string; zoned: boolean } {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const pct = text.indexOf('%');
  if (pct >= 0) return { text: text.slice(0, pct), zoned: true };
  return { text, zoned: false };
}

/** Strict dotted-quad parser: exactly four decimal octets 0-255, no leading zeros (octal ambiguity). */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/** Parse an IPv6 address (optionally with a trailing dotted IPv4 part) into eight 16-bit groups. */
export function parseIPv6(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 45 || !text.includes(':')) return undefined;
  let head = text;
  const tailGroups: number[] = [];
  // Trailing embedded IPv4 (::ffff:1.2.3.4, 64:ff9b::1.2.3.4).
  const lastColon = head.lastIndexOf(':');
  const lastPart = head.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    const v4 = parseIPv4(lastPart);
    if (v4 === undefined) return undefined;
    tailGroups.push(v4 >>> 16, v4 & 0xffff);
    head = head.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "a:b::1.2.3.4" leaves "a:b::"; "a:b:1.2.3.4" leaves "a:b:" -> drop single colon.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0] ?? '');
  if (left === undefined) return undefined;
  if (halves.length === 1) {
    const groups = [...left, ...tailGroups];
    return groups.length === 8 ? groups : undefined;
  }
  const right = parseGroups(halves[1] ?? '');
  if (right === undefined) return undefined;
  const present = left.length + right.length + tailGroups.length;
  if (present > 7) return undefined; // "::" must stand for at least one zero group
  return [...left, ...new Array<number>(8 - present).fill(0), ...right, ...tailGroups];
}

function isPublicIPv4(v4: number): boolean {
  for (const { net, mask } of IPV4_BLOCKED_NUM) {
    if (((v4 & mask) >>> 0) === net) return false;
  }
  return true;
}

function isPublicIPv6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = ((g6 << 16) | g7) >>> 0;
  // ::/96 (incl. :: and ::1, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped).
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0 || g5 === 0xffff)) {
    if (g5 === 0 && g6 === 0) return false; // ::, ::1 and ::0.0.x.x are never public
    return isPublicIPv4(embeddedV4);
  }
  // 6to4 2002::/16: the IPv4 address is in groups 1-2.
  if (g0 === 0x2002) return isPublicIPv4(((g1 << 16) | g2) >>> 0);
  // Only global unicast 2000::/3 can be public. This excludes fc00::/7 (unique local),
  // fe80::/10 (link-local), ff00::/8 (multicast), 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64),
  // 100::/64 (discard) and the rest of the unassigned space.
  if ((g0 & 0xe000) !== 0x2000) return false;
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x2001 && g1 < 0x0200) return false; // 2001::/23 IETF protocol assignments (Teredo, ORCHID...)
  if (g0 === 0x3fff && g1 < 0x1000) return false; // 3fff::/20 documentation
  return true;
}

/**
 * True only when `ip` is a syntactically valid IPv4/IPv6 address (bracketed and zone-id forms
 * accepted) in publicly routable space. Unparsable input, and any address carrying a zone id
 * (only meaningful for link-local/scoped addresses), is not public.
 */
export function isPublicAddress(ip: string): boolean {
  if (typeof ip !== 'string') return false;
  const { text, zoned } = normalise(ip);
  if (zoned) return false;
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return isPublicIPv4(v4);
  const v6 = parseIPv6(text);
  if (v6 !== undefined) return isPublicIPv6(v6);
  return false;
}

/** True when `host` (a URL hostname, possibly bracketed) is an IP literal rather than a DNS name. */
export function isIpLiteral(host: string): boolean {
  const { text } = normalise(host);
  return parseIPv4(text) !== undefined || parseIPv6(text) !== undefined;
}

/** Host without brackets / zone id, suitable for passing to net/tls APIs. */
export function bareHost(host: string): string {
  let text = host.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  return text;
}
