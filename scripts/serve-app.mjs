#!/usr/bin/env node
/**
 * Serves a built app on 127.0.0.1, as a normal page or as the origin that chrome://iwa-dev's
 * "Dev Mode Proxy" installs an Isolated Web App from (docs/deploy.md §2, tests/browser-usb/).
 *
 *   node scripts/serve-app.mjs [--iwa] [--without-usb-unrestricted] [--port N] [DIR]
 *
 * DIR: dist-iwa/app with --iwa (npm run build:iwa), else dist (npm run build). As an IWA every
 * response carries the bundle's headers (COOP/COEP/CORP and its CSP, scripts/build-iwa.mjs) and
 * /.well-known/manifest.webmanifest is the bundle's manifest; --without-usb-unrestricted serves it
 * without that permission (the control case). As a page: frame-ancestors 'none' and nosniff, as
 * docs/deploy.md §3 asks of a server.
 */
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTENT_TYPES, ICON_SOURCE, IWA_HEADERS, MANIFEST_PATH, OUT_DIR, iwaManifest } from './build-iwa.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What docs/deploy.md §3 tells a server to add to every response of the page. */
export const PAGE_HEADERS = Object.freeze({
  'content-security-policy': "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
});

/**
 * @typedef {{ root: string, iwa?: boolean, usbUnrestricted?: boolean, port?: number, host?: string }} ServeOptions
 * @typedef {{ url: string, port: number, requests: string[], close(): Promise<void> }} AppServer
 */

/**
 * @param {string} root
 * @param {string} pathname
 * @returns {string | null} the file under root, or null when the path leaves it
 */
function fileFor(root, pathname) {
  const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname)).replace(/^[/\\]+/, '');
  const file = resolve(root, relative);
  return file === root || file.startsWith(root + sep) ? file : null;
}

/**
 * @param {ServeOptions} options
 * @returns {Promise<AppServer>}
 */
export async function serveApp({ root, iwa = false, usbUnrestricted = true, port = 0, host = '127.0.0.1' }) {
  const base = resolve(root);
  const modeHeaders = iwa ? { ...IWA_HEADERS, 'x-content-type-options': 'nosniff' } : PAGE_HEADERS;
  /** Files an IWA has in its bundle even when `root` is a plain build (dist/). */
  const generated = iwa
    ? new Map([
        [MANIFEST_PATH, { type: CONTENT_TYPES['.webmanifest'], body: () => JSON.stringify(iwaManifest({ usbUnrestricted }), null, 2) }],
        ['/icons/icon.svg', { type: CONTENT_TYPES['.svg'], body: () => readFile(ICON_SOURCE) }],
      ])
    : new Map();
  /** @type {string[]} */
  const requests = [];
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    requests.push(`${request.method} ${pathname}`);
    const send = (/** @type {number} */ status, /** @type {string} */ type, /** @type {string | Buffer} */ body) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...modeHeaders });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    try {
      const made = generated.get(pathname);
      if (made) return send(200, made.type, await made.body());
      const file = fileFor(base, pathname);
      if (!file || !(await stat(file).catch(() => null))?.isFile()) return send(404, 'text/plain; charset=utf-8', 'not found');
      const type = CONTENT_TYPES[/** @type {keyof typeof CONTENT_TYPES} */ (extname(file))] ?? 'application/octet-stream';
      return send(200, type, await readFile(file));
    } catch (error) {
      return send(500, 'text/plain; charset=utf-8', String(error));
    }
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen(undefined));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${actualPort}/`,
    port: actualPort,
    requests,
    close: () => new Promise((done) => server.close(() => done(undefined))),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const iwa = args.includes('--iwa');
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : iwa ? 4179 : 4178;
  const dir = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--port')[0] ?? (iwa ? join(OUT_DIR, 'app') : join(ROOT, 'dist'));
  const server = await serveApp({ root: dir, iwa, usbUnrestricted: !args.includes('--without-usb-unrestricted'), port });
  console.log(`serving ${dir} ${iwa ? 'as an Isolated Web App (dev mode proxy)' : 'as a page'} at ${server.url}`);
  if (iwa) console.log(`chrome://iwa-dev → Dev Mode Proxy → ${server.url} → Install`);
}

// Run as a command, not when imported (or bundled into dist-node/, where import.meta.url is the bundle's).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && import.meta.url.endsWith('/scripts/serve-app.mjs')) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
