import { isIP } from 'node:net';

/**
 * Whether an address a webhook URL resolves to is on the public internet. Refused: loopback, private
 * (RFC 1918, unique local), link-local (cloud metadata endpoints live there), carrier-grade NAT,
 * unspecified, multicast, reserved and documentation ranges, and IPv4 mapped into IPv6 by the same rules.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return isPublicV4(address);
  if (family !== 6) return false;
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return isPublicV4(mapped[1]);
  if (a === '::' || a === '::1') return false;
  const first = parseInt(a.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (a.startsWith('2001:db8:') || a.startsWith('64:ff9b:') || a.startsWith('100::')) return false; // documentation, NAT64, discard
  return true;
}

function isPublicV4(address: string): boolean {
  const [a, b, c] = address.split('.').map(Number);
  if (a === 0 || a === 10 || a === 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return false;
  if (a >= 224) return false;
  return true;
}
