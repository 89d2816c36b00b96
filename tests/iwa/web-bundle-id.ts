/**
 * Web Bundle IDs (WICG/webpackage, explainers/integrity-signature.md; Chromium's SignedWebBundleId):
 * base32 (RFC 4648, lower case, no padding) of 32 bytes and a 3-byte type suffix. An Ed25519 key
 * gives its public key + 00 01 02; Chrome's dev-mode proxy installs use 32 arbitrary bytes + 00 00 02.
 * A proxy-mode ID chosen in advance (CDP PWA.install takes one) gives the installed app an origin
 * known before Chromium starts, so the WebUSB policy can name it at boot.
 */
import { createHash } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const ED25519_SUFFIX = [0x00, 0x01, 0x02] as const;
export const PROXY_MODE_SUFFIX = [0x00, 0x00, 0x02] as const;

/** RFC 4648 §6 base32, lower case, without padding. */
export function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + ALPHABET[(value << (5 - bits)) & 31] : out;
}

/** The ID of a bundle signed with this raw 32-byte Ed25519 public key. */
export function ed25519BundleId(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError(`an Ed25519 public key has 32 bytes, got ${publicKey.length}`);
  return base32(Uint8Array.from([...publicKey, ...ED25519_SUFFIX]));
}

/** A dev-mode proxy ID derived from `seed` (SHA-256): the same seed, the same isolated-app origin. */
export function proxyModeBundleId(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest();
  return base32(Uint8Array.from([...bytes, ...PROXY_MODE_SUFFIX]));
}

export const isolatedAppOrigin = (webBundleId: string): string => `isolated-app://${webBundleId}`;
