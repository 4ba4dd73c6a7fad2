import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DocumentFetchError } from './errors.js';

/**
 * Addresses an outgoing fetch must never reach from production: loopback, private networks,
 * link-local (cloud metadata services live there), carrier-grade NAT, documentation and other
 * special-use ranges (RFC 6890 and its IANA registries), multicast and reserved space.
 */
const SPECIAL_USE = new BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  SPECIAL_USE.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  SPECIAL_USE.addSubnet(prefix, bits, 'ipv6');
}

/** An IPv4 address written inside IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it is. */
function embeddedIPv4(address: string): string | undefined {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1];
}

export function isSpecialUseAddress(address: string): boolean {
  const v4 = embeddedIPv4(address);
  if (v4) return SPECIAL_USE.check(v4, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return SPECIAL_USE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the host once and checks every address it has: the connection is then made to these
 * addresses only (see safe-fetch.ts), so a second DNS answer cannot swap in a private one.
 */
export async function resolvePublicAddresses(hostname: string, allowPrivate: boolean): Promise<ResolvedAddress[]> {
  const literal = hostname.replace(/^\[|\]$/g, '');
  let addresses: ResolvedAddress[];
  if (isIP(literal)) {
    addresses = [{ address: literal, family: isIP(literal) as 4 | 6 }];
  } else {
    try {
      addresses = (await lookup(literal, { all: true, verbatim: true })) as ResolvedAddress[];
    } catch (error) {
      throw new DocumentFetchError(`its host ${hostname} could not be resolved`, { cause: error });
    }
  }
  if (addresses.length === 0) throw new DocumentFetchError(`its host ${hostname} has no address`);
  if (!allowPrivate) {
    const refused = addresses.find((a) => isSpecialUseAddress(a.address));
    if (refused) {
      throw new DocumentFetchError(
        `its host ${hostname} resolves to ${refused.address}, a private, loopback or reserved address`,
      );
    }
  }
  return addresses;
}
