/// <reference lib="webworker" />
/**
 * The offline worker (built to /sw.js by vite.config.ts): precaches the build, answers same-origin
 * GETs cache-first, and drops the caches of older builds when it takes over (but the previous one).
 */
import { cacheKeyFor, cacheName, precacheUrls, staleCaches, type PrecacheManifest } from './precache';

// Replaced by the build with the JSON of this build's manifest (vite.config.ts, offlineWorker()).
declare const __PRECACHE_MANIFEST__: PrecacheManifest;

const worker = self as unknown as ServiceWorkerGlobalScope;
const manifest = __PRECACHE_MANIFEST__;
const current = cacheName(manifest.version);

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(current);
      // cache: 'reload' so that the shell comes from the server, not from the HTTP cache of an older build.
      await cache.addAll(precacheUrls(manifest, worker.registration.scope).map((url) => new Request(url, { cache: 'reload' })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await Promise.all(staleCaches(await caches.keys(), current).map((name) => caches.delete(name)));
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('fetch', (event) => {
  const key = cacheKeyFor(event.request, worker.registration.scope);
  if (key === null) return;
  event.respondWith(answer(event.request, key));
});

async function answer(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(current);
  // The previous build's cache answers what an older page still open asks for (staleCaches keeps it).
  const cached = (await cache.match(key)) ?? (await caches.match(key));
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
  return response;
}
