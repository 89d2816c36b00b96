/**
 * The Isolated Web App bundle, opened like Chrome would: integrity block, Ed25519 signature, Web
 * Bundle ID, then the inner bundle's manifest, files and headers. Builds its own bundle with a
 * throwaway key (no prior `npm run build:iwa`).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bundle } from 'wbn';
import { WebBundleId } from 'wbn-sign';
import { buildIwaApp, MANIFEST_PATH, packWebBundle, resolveSigningKey, signWebBundle } from '../../scripts/build-iwa.mjs';
import { dataToBeSigned, readIntegrityBlock, type IntegrityBlock } from './integrity-block';
import { ed25519BundleId } from './web-bundle-id';

const MAGIC = [0xf0, 0x9f, 0x96, 0x8b, 0xf0, 0x9f, 0x93, 0xa6]; // 🖋📦
const VERSION_2B = [0x32, 0x62, 0x00, 0x00];

let dir = '';
let key: KeyObject;
let signed: Uint8Array;
let webBundleId = '';
let origin = '';
let block: IntegrityBlock;
let bundle: Bundle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ecard-iwa-'));
  await buildIwaApp(join(dir, 'app'));
  key = generateKeyPairSync('ed25519').privateKey;
  ({ signedBundle: signed, webBundleId, origin } = await signWebBundle(packWebBundle(join(dir, 'app')), key));
  block = readIntegrityBlock(signed);
  bundle = new Bundle(signed.subarray(block.length));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x ?? '', 'base64url'));
}

function text(url: string): string {
  return new TextDecoder().decode(bundle.getResponse(url).body);
}

function verifies(bytes: Uint8Array): boolean {
  const b = readIntegrityBlock(bytes);
  const [only] = b.signatures;
  if (!only) return false;
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(only.attributes.ed25519PublicKey ?? []).toString('base64url') }, format: 'jwk' });
  const hash = createHash('sha512').update(bytes.subarray(b.length)).digest();
  return verify(null, dataToBeSigned(hash, b, only), publicKey, only.signature);
}

describe('integrity block', () => {
  it('has the magic, version 2b and the Web Bundle ID of the signing key', () => {
    expect([...block.magic]).toEqual(MAGIC);
    expect([...block.version]).toEqual(VERSION_2B);
    const expectedId = ed25519BundleId(rawPublicKey(key));
    expect(webBundleId).toBe(expectedId);
    expect(webBundleId).toHaveLength(56);
    expect(block.attributes).toEqual({ webBundleId: expectedId });
    expect(new WebBundleId(createPublicKey(key)).serialize()).toBe(expectedId);
    expect(origin).toBe(`isolated-app://${expectedId}/`);
  });

  it('carries one Ed25519 signature by that key over the bundle, which verifies', () => {
    expect(block.signatures).toHaveLength(1);
    const [only] = block.signatures;
    expect(Object.keys(only?.attributes ?? {})).toEqual(['ed25519PublicKey']);
    expect([...(only?.attributes.ed25519PublicKey ?? [])]).toEqual([...rawPublicKey(key)]);
    expect(only?.signature).toHaveLength(64);
    expect(verifies(signed)).toBe(true);
  });

  it('no longer verifies once one byte of the bundle changes', () => {
    const tampered = signed.slice();
    const at = block.length + Math.floor((tampered.length - block.length) / 2);
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    expect(verifies(tampered)).toBe(false);
  });
});

describe('inner web bundle', () => {
  it('is a b2 bundle with relative URLs, served from the isolated-app origin', () => {
    expect(bundle.version).toBe('b2');
    expect(bundle.primaryURL).toBeNull();
    for (const url of bundle.urls) expect(url).toMatch(/^\/(?!\/)/);
    expect(bundle.urls).toEqual(expect.arrayContaining(['/', '/index.html', MANIFEST_PATH]));
    expect(bundle.urls.filter((url) => url.endsWith('.map'))).toEqual([]);
  });

  it('has a manifest granting usb, usb-unrestricted and smart-card, starting at / standalone', () => {
    const manifest = JSON.parse(text(MANIFEST_PATH)) as Record<string, unknown>;
    expect(bundle.getResponse(MANIFEST_PATH).headers['content-type']).toBe('application/manifest+json');
    expect(manifest).toMatchObject({ name: 'eCard PIN', short_name: 'eCard PIN', version: '0.1.0', start_url: '/', display: 'standalone' });
    expect(manifest.permissions_policy).toMatchObject({
      usb: ['self'],
      'usb-unrestricted': ['self'],
      'smart-card': ['self'],
      'cross-origin-isolated': ['self'],
    });
    const icons = manifest.icons as { src: string }[];
    expect(icons.length).toBeGreaterThan(0);
    for (const icon of icons) expect(bundle.urls).toContain(icon.src);
  });

  it('holds index.html and every file the page loads, chunks loaded on demand included', () => {
    const html = text('/index.html');
    expect(text('/')).toBe(html);
    expect(html).toContain(`<link rel="manifest" href="${MANIFEST_PATH}"`);
    const fromHtml = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1] ?? '');
    // One entry script (the module preloads beside it are chunks it shares with the parts loaded later) and one style sheet.
    expect(html.match(/<script type="module"[^>]*src="\/assets\/[\w.-]+\.js"/g)).toHaveLength(1);
    expect(fromHtml.filter((url) => url.endsWith('.css'))).toHaveLength(1);
    const scripts = bundle.urls.filter((url) => url.startsWith('/assets/') && url.endsWith('.js'));
    const fromScripts = scripts.flatMap((url) => [...text(url).matchAll(/assets\/[\w.-]+\.(?:js|css)/g)].map((m) => `/${m[0]}`));
    expect(fromScripts.some((url) => url.includes('training'))).toBe(true);
    for (const url of [...fromHtml, ...fromScripts]) expect(bundle.urls).toContain(url);
  });

  it('serves every response with COOP, COEP, CORP and a strict CSP with Trusted Types', () => {
    for (const url of bundle.urls) {
      const { status, headers } = bundle.getResponse(url);
      expect(status, url).toBe(200);
      expect(headers['cross-origin-opener-policy'], url).toBe('same-origin');
      expect(headers['cross-origin-embedder-policy'], url).toBe('require-corp');
      expect(headers['cross-origin-resource-policy'], url).toBe('same-origin');
      const csp = headers['content-security-policy'] ?? '';
      for (const directive of ["script-src 'self';", "object-src 'none';", "base-uri 'none';", "require-trusted-types-for 'script';"]) {
        expect(csp, url).toContain(directive);
      }
      expect(csp, url).not.toContain('unsafe-eval');
      // The PNG icons of the plain page's web app manifest (public/icons) come along.
      expect(headers['content-type'], url).toMatch(/^(text\/html|text\/javascript|text\/css|image\/svg\+xml|image\/png|application\/manifest\+json)/);
    }
  });
});

describe('signing key', () => {
  it('comes from ECARD_IWA_KEY as PEM text or as a path', () => {
    const pem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const fromText = resolveSigningKey({ ECARD_IWA_KEY: pem }, dir);
    expect(fromText.development).toBe(false);
    expect([...rawPublicKey(fromText.privateKey)]).toEqual([...rawPublicKey(key)]);
    const path = join(dir, 'release.pem');
    writeFileSync(path, pem);
    const fromPath = resolveSigningKey({ ECARD_IWA_KEY: path }, dir);
    expect(fromPath).toMatchObject({ development: false, source: path });
  });

  it('without ECARD_IWA_KEY is a development key written once and reused', () => {
    const devDir = join(dir, 'dev');
    const first = resolveSigningKey({}, devDir);
    expect(first).toMatchObject({ development: true, source: join(devDir, 'DEVELOPMENT-KEY.pem') });
    expect(existsSync(first.source)).toBe(true);
    const second = resolveSigningKey({}, devDir);
    expect([...rawPublicKey(second.privateKey)]).toEqual([...rawPublicKey(first.privateKey)]);
  });

  it('must be Ed25519', async () => {
    const p256 = createPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(signWebBundle(new Uint8Array(8), p256)).rejects.toThrow('must be Ed25519, got ec');
  });
});
