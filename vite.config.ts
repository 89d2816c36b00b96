import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const WORKER = 'sw.js';
const MANIFEST_PLACEHOLDER = '__PRECACHE_MANIFEST__';

/**
 * The policy of the built page: nothing but its own files, no inline code or style, no eval, no
 * plugins, no <base>, no form posts. frame-ancestors is ignored in a <meta> (CSP 3 §6.4.2), so a
 * deployment adds it as a header. The dev server goes without: its HMR injects <style> elements.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Puts CONTENT_SECURITY_POLICY in the built index.html, before anything that loads. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'ecard-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
    ],
  };
}

/** The files of public/ (icons, web app manifest), copied as they are: name → contents. */
function publicFiles(dir: string): { fileName: string; source: Uint8Array }[] {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { fileName: relative(dir, path).split(sep).join('/'), source: readFileSync(path) };
    });
}

/**
 * Builds src/offline/sw.ts to /sw.js and writes into it this build's precache manifest: every
 * emitted file but source maps, and the files of public/, with a version hashed from their
 * contents (a new build → a new cache).
 */
function offlineWorker(): Plugin {
  let publicDir = '';
  return {
    name: 'ecard-offline-worker',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    buildStart() {
      this.emitFile({ type: 'chunk', id: 'src/offline/sw.ts', fileName: WORKER });
    },
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const worker = bundle[WORKER];
        if (worker?.type !== 'chunk') return this.error(`${WORKER} was not built`);
        if (!bundle['index.html']) return this.error('index.html must be in the bundle before the precache list is written');
        const files = [
          ...Object.values(bundle)
            .filter((file) => file.fileName !== WORKER && !file.fileName.endsWith('.map'))
            .map((file) => ({ fileName: file.fileName, source: file.type === 'chunk' ? file.code : file.source })),
          ...(publicDir ? publicFiles(publicDir) : []),
        ].sort((a, b) => a.fileName.localeCompare(b.fileName));
        const hash = createHash('sha256');
        for (const file of files) hash.update(file.fileName).update(file.source);
        const urls = files.map((file) => (file.fileName === 'index.html' ? './' : file.fileName));
        const manifest = JSON.stringify({ version: hash.digest('hex').slice(0, 16), urls });
        if (worker.code.split(MANIFEST_PLACEHOLDER).length !== 2) return this.error(`${WORKER}: expected ${MANIFEST_PLACEHOLDER} exactly once`);
        worker.code = worker.code.replace(MANIFEST_PLACEHOLDER, manifest);
      },
    },
  };
}

/**
 * The minifier keeps class names: an error's `name` is its class name (src/ccid/errors.ts), and
 * "Detalii tehnice" shows it to the person who calls support. Functions may still be renamed.
 * tests/e2e/built-names.spec.ts checks the built files.
 */
const KEEP_CLASS_NAMES = { class: true, function: false };

export default defineConfig({
  plugins: [preact(), contentSecurityPolicy(), offlineWorker()],
  build: {
    target: 'es2022',
    sourcemap: true,
    rolldownOptions: {
      // The CCID driver's and the PC/SC transport's modules only declare (classes, functions,
      // tables): what the first screen takes from their doors (error classes) does not pull the rest
      // in. The driver loads with the first reader (src/ui/readers/driver.ts), the PC/SC slot with the
      // Web Smart Card API (loadPcscTransport).
      treeshake: { moduleSideEffects: (id) => !/[\\/]src[\\/](ccid|pcsc)[\\/]/.test(id) },
      output: { minify: { compress: { keepNames: KEEP_CLASS_NAMES }, mangle: { keepNames: KEEP_CLASS_NAMES } } },
    },
  },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
