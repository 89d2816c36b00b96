/** What the offline worker keeps and answers: pure decisions, no worker globals (sw.ts wires them). */

/** Written into the worker at build time (vite.config.ts): the build's content hash and its files. */
export interface PrecacheManifest {
  readonly version: string;
  /** Relative to the worker's scope; './' is the app shell (index.html). */
  readonly urls: readonly string[];
}

const CACHE_PREFIX = 'ecard-pin-';

export function cacheName(version: string): string {
  return `${CACHE_PREFIX}${version}`;
}

/**
 * Our caches to delete when this build takes over: all older builds but the newest of them, so that a
 * page still open on the previous build can load its on-demand chunks (the English texts, the training
 * desk). `existing` is in creation order, as CacheStorage.keys() gives it. Other apps' caches stay.
 */
export function staleCaches(existing: readonly string[], current: string): string[] {
  return existing.filter((name) => name.startsWith(CACHE_PREFIX) && name !== current).slice(0, -1);
}

export function precacheUrls(manifest: PrecacheManifest, scope: string): string[] {
  return manifest.urls.map((url) => new URL(url, scope).href);
}

export interface RequestFacts {
  readonly method: string;
  readonly url: string;
  readonly mode: string;
}

/**
 * The cache key that answers `request`, or null to leave it to the network: only same-origin GETs
 * inside the scope; every navigation gets the app shell (so `/?kiosk=1` works offline too).
 */
export function cacheKeyFor(request: RequestFacts, scope: string): string | null {
  if (request.method !== 'GET' || !request.url.startsWith(scope)) return null;
  if (request.mode === 'navigate') return scope;
  return request.url;
}
