#!/usr/bin/env node
/**
 * `npm run build:iwa`: the app as a signed Isolated Web App bundle (dist-iwa/ecard-pin.swbn).
 *
 * 1. vite build into dist-iwa/app, plus /.well-known/manifest.webmanifest (iwa/manifest.template.json)
 *    granting `usb` and `usb-unrestricted` (Chrome lets an IWA claim class 0x0B only with the latter)
 *    and `smart-card` (the Web Smart Card API: the readers of ChromeOS's Smart Card Connector).
 * 2. Pack it into a Web Bundle (wbn, format b2) with relative URLs: Chrome serves them from
 *    isolated-app://<Web Bundle ID>/ (github.com/WICG/isolated-web-apps, Scheme.md).
 * 3. Sign it with an Ed25519 key into an integrity block (wbn-sign). Key: ECARD_IWA_KEY = a PEM file
 *    path or the PEM text (passphrase in WEB_BUNDLE_SIGNING_PASSPHRASE); without it a DEVELOPMENT key
 *    is made (or reused) in dist-iwa/DEVELOPMENT-KEY.pem and the output is named to say so.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BundleBuilder } from 'wbn';
import { IntegrityBlockSigner, NodeCryptoSigningStrategy, WebBundleId } from 'wbn-sign';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = join(ROOT, 'dist-iwa');
export const MANIFEST_PATH = '/.well-known/manifest.webmanifest';
/** How index.html links the manifest of the plain page. */
const PAGE_MANIFEST_LINK = 'href="/manifest.webmanifest"';

/**
 * Headers on every response. COOP/COEP/CORP must be exactly these for an IWA; the CSP may be stricter
 * than Chrome's IWA default, and is: this app loads nothing but its own files.
 */
export const IWA_HEADERS = Object.freeze({
  'content-security-policy':
    "base-uri 'none'; default-src 'self'; object-src 'none'; frame-src 'none'; connect-src 'self'; script-src 'self'; " +
    "style-src 'self'; img-src 'self' data:; font-src 'self'; require-trusted-types-for 'script'; frame-ancestors 'self';",
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

export const CONTENT_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
});

/** @returns {string} */
function packageVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
}

/** The app's icon, at /icons/icon.svg in every build (public/icons). */
export const ICON_SOURCE = join(ROOT, 'public', 'icons', 'icon.svg');

/**
 * The IWA manifest (iwa/manifest.template.json with the package version). `usbUnrestricted: false`
 * drops that permission: the control case of tests/browser-usb, never a build.
 * @param {{ usbUnrestricted?: boolean }} [options]
 * @returns {Record<string, unknown>}
 */
export function iwaManifest({ usbUnrestricted = true } = {}) {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'iwa', 'manifest.template.json'), 'utf8'));
  manifest.version = packageVersion();
  if (!usbUnrestricted) delete manifest.permissions_policy['usb-unrestricted'];
  return manifest;
}

/**
 * Builds the app into `appDir` (its icons come from public/icons), adds the IWA manifest and makes
 * the page link it.
 * @param {string} appDir
 * @returns {Promise<void>}
 */
export async function buildIwaApp(appDir) {
  const { build } = await import('vite');
  await build({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: appDir, emptyOutDir: true, sourcemap: false },
  });
  mkdirSync(join(appDir, '.well-known'), { recursive: true });
  writeFileSync(join(appDir, MANIFEST_PATH), `${JSON.stringify(iwaManifest(), null, 2)}\n`);
  // The page links the plain page's manifest (public/manifest.webmanifest); an IWA's is this one.
  const index = join(appDir, 'index.html');
  const html = readFileSync(index, 'utf8');
  if (!html.includes(PAGE_MANIFEST_LINK)) throw new Error(`build:iwa: ${PAGE_MANIFEST_LINK} not in index.html`);
  writeFileSync(index, html.replace(PAGE_MANIFEST_LINK, `href="${MANIFEST_PATH}"`));
}

/**
 * @param {string} dir
 * @returns {string[]} every file below dir, as '/'-separated paths relative to it
 */
function filesBelow(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/**
 * Packs `appDir` into an unsigned Web Bundle; index.html is also served at '/'.
 * @param {string} appDir
 * @returns {Uint8Array}
 */
export function packWebBundle(appDir) {
  const builder = new BundleBuilder('b2');
  for (const file of filesBelow(appDir)) {
    if (file.endsWith('.map')) continue;
    const type = CONTENT_TYPES[/** @type {keyof typeof CONTENT_TYPES} */ (extname(file))];
    if (!type) throw new Error(`build-iwa: no content type for ${file}`);
    const headers = { 'content-type': type, ...IWA_HEADERS };
    const body = readFileSync(join(appDir, file));
    builder.addExchange(`/${file}`, 200, headers, body);
    if (file === 'index.html') builder.addExchange('/', 200, headers, body);
  }
  return builder.createBundle();
}

/**
 * @param {Uint8Array} webBundle
 * @param {import('node:crypto').KeyObject} privateKey an Ed25519 private key
 * @returns {Promise<{ signedBundle: Uint8Array, webBundleId: string, origin: string }>}
 */
export async function signWebBundle(webBundle, privateKey) {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`build-iwa: the signing key must be Ed25519, got ${privateKey.asymmetricKeyType ?? privateKey.type}`);
  }
  const id = new WebBundleId(privateKey);
  const webBundleId = id.serialize();
  const { signedWebBundle } = await new IntegrityBlockSigner(webBundle, webBundleId, [
    new NodeCryptoSigningStrategy(privateKey),
  ]).sign();
  return { signedBundle: signedWebBundle, webBundleId, origin: id.serializeWithIsolatedWebAppOrigin() };
}

/**
 * The key from ECARD_IWA_KEY (PEM path or PEM text), else a development key kept in `outDir`.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} outDir
 * @returns {{ privateKey: import('node:crypto').KeyObject, development: boolean, source: string }}
 */
export function resolveSigningKey(env, outDir) {
  const given = env.ECARD_IWA_KEY?.trim();
  const passphrase = env.WEB_BUNDLE_SIGNING_PASSPHRASE;
  if (given) {
    const isPem = given.includes('-----BEGIN');
    const pem = isPem ? given : readFileSync(given, 'utf8');
    const privateKey = createPrivateKey(passphrase ? { key: pem, passphrase } : { key: pem });
    return { privateKey, development: false, source: isPem ? 'ECARD_IWA_KEY (PEM text)' : given };
  }
  const path = join(outDir, 'DEVELOPMENT-KEY.pem');
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return { privateKey: createPrivateKey(readFileSync(path, 'utf8')), development: true, source: path };
}

async function main() {
  mkdirSync(OUT_DIR, { recursive: true });
  // Never commit a build or the development key.
  writeFileSync(join(OUT_DIR, '.gitignore'), '# build output of scripts/build-iwa.mjs\n*\n');
  const key = resolveSigningKey(process.env, OUT_DIR);
  const appDir = join(OUT_DIR, 'app');
  await buildIwaApp(appDir);
  const { signedBundle, webBundleId, origin } = await signWebBundle(packWebBundle(appDir), key.privateKey);
  const output = join(OUT_DIR, key.development ? 'ecard-pin.DEVELOPMENT-KEY-DO-NOT-DEPLOY.swbn' : 'ecard-pin.swbn');
  writeFileSync(output, signedBundle);
  if (key.development) {
    const bar = '!'.repeat(78);
    console.warn(`${bar}\n!! DEVELOPMENT BUILD: no ECARD_IWA_KEY given, signed with ${relative(ROOT, key.source)}.`);
    console.warn('!! Its Web Bundle ID is not the product\'s: never deploy this bundle to a kiosk or a desk.');
    console.warn(`!! For a release: ECARD_IWA_KEY=/path/to/ed25519.pem npm run build:iwa\n${bar}`);
  }
  console.log(`signed web bundle: ${relative(ROOT, output)} (${signedBundle.length} bytes)`);
  console.log(`key:               ${key.development ? 'DEVELOPMENT ' : ''}${key.source}`);
  console.log(`Web Bundle ID:     ${webBundleId}`);
  console.log(`origin:            ${origin}`);
}

// Run as a command, not when imported (or bundled into dist-node/, where import.meta.url is the bundle's).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && import.meta.url.endsWith('/scripts/build-iwa.mjs')) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
