import { describe, expect, it } from 'vitest';
import { base32, ed25519BundleId, isolatedAppOrigin, proxyModeBundleId } from './web-bundle-id';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('base32 (RFC 4648 §10 test vectors, lower case, no padding)', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('%j → %j', (input, output) => {
    expect(base32(ascii(input))).toBe(output);
  });
});

describe('Web Bundle IDs', () => {
  it('of a dev-mode proxy: 56 characters ending in the proxy type (…aaac), the same for the same seed', () => {
    const id = proxyModeBundleId('ecard-pin browser-usb');
    expect(id).toHaveLength(56);
    expect(id.endsWith('aaac')).toBe(true);
    expect(proxyModeBundleId('ecard-pin browser-usb')).toBe(id);
    expect(proxyModeBundleId('another seed')).not.toBe(id);
    expect(isolatedAppOrigin(id)).toBe(`isolated-app://${id}`);
  });

  it('of an Ed25519 key: ends in the Ed25519 type (…aaic), refuses a key of the wrong size', () => {
    const id = ed25519BundleId(new Uint8Array(32).fill(7));
    expect(id).toHaveLength(56);
    expect(id.endsWith('aaic')).toBe(true);
    expect(() => ed25519BundleId(new Uint8Array(31))).toThrow('32 bytes');
  });
});
