/**
 * SSRF defence for webhooks: which addresses a webhook may reach, judged after DNS resolution,
 * and a `lookup` for http.request that hands the socket exactly the address it judged — so a
 * name that resolves to a public address when checked and to 127.0.0.1 a moment later (DNS
 * rebinding) cannot slip through between the check and the connection.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Ranges no webhook may reach unless INKWELL_WEBHOOK_ALLOW_PRIVATE=true (docs/security.md). */
const REFUSED_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared (CGNAT, RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata: 169.254.169.254)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved and broadcast'],
];
const REFUSED_V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique local (ULA; cloud metadata: fd00:ec2::254)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'discard-only'],
];

/** One BlockList per range, so a refusal can name the range it fell in. */
const ranges = (list: Array<[string, number, string]>, type: 'ipv4' | 'ipv6') =>
  list.map(([net, prefix, what]) => {
    const block = new BlockList();
    block.addSubnet(net, prefix, type);
    return { block, what };
  });
const V4 = ranges(REFUSED_V4, 'ipv4');
const V6 = ranges(REFUSED_V6, 'ipv6');

/** The IPv4 address an IPv6 one carries (IPv4-mapped, IPv4-compatible, NAT64), or null. */
function embeddedV4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::ffff:0:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Why a webhook may not reach this IP address, or null when it may. */
export function refusedAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 4) {
    const hit = V4.find((r) => r.block.check(address, 'ipv4'));
    return hit ? `${address} is ${hit.what}` : null;
  }
  if (family === 6) {
    const inner = embeddedV4(address);
    if (inner !== null) {
      const why = refusedAddress(inner);
      return why && `${address} carries ${why}`;
    }
    const hit = V6.find((r) => r.block.check(address, 'ipv6'));
    return hit ? `${address} is ${hit.what}` : null;
  }
  return `${address} is not an IP address`;
}

const resolve = (host: string) => dnsLookup(host, { all: true, verbatim: true });

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no DNS answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export interface AddressPolicy {
  /** INKWELL_WEBHOOK_ALLOW_PRIVATE: reach every address (tests, receivers on the same network). */
  allowPrivate: boolean;
}

/** A URL's host without the brackets of an IPv6 literal. */
const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The addresses a URL's host resolves to, every one of them allowed; throws with the reason
 * otherwise (one refused address refuses the name: which one a connection picks is not ours).
 * A resolver that hangs is given up on after `timeoutMs`.
 */
export async function resolveAllowed(url: URL, policy: AddressPolicy, timeoutMs: number): Promise<string[]> {
  const host = bareHost(url);
  const addresses = isIP(host) ? [host] : (await withDeadline(resolve(host), timeoutMs)).map((a) => a.address);
  if (addresses.length === 0) throw new Error(`${host} resolves to no address`);
  if (!policy.allowPrivate)
    for (const address of addresses) {
      const why = refusedAddress(address);
      if (why) throw new Error(isIP(host) ? why : `${host} resolves to ${why}`);
    }
  return addresses;
}

/**
 * A `lookup` for http(s).request that hands the socket the addresses resolveAllowed judged, never
 * what the name resolves to by the time the socket opens. All of them when asked for all (Node
 * then tries each, IPv6 and IPv4, as "happy eyeballs"); the first otherwise.
 */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const judged = addresses.map((address) => ({ address, family: isIP(address) }));
  return (_hostname, options, callback) => {
    const all = callback as unknown as (error: null, addresses: Array<{ address: string; family: number }>) => void;
    if ((options as { all?: boolean }).all) all(null, judged);
    else callback(null, judged[0]!.address, judged[0]!.family);
  };
}
