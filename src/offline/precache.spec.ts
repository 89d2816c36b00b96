import { describe, it, expect } from 'vitest';
import { cacheKeyFor, cacheName, precacheUrls, staleCaches } from './precache';

const SCOPE = 'https://ecard.example/';

describe('cache names', () => {
  it('carry the build version', () => {
    expect(cacheName('86cae41265e12ae0')).toBe('ecard-pin-86cae41265e12ae0');
  });

  it('marks our caches of older builds as stale, but the newest of them, and never another app\'s', () => {
    const current = cacheName('new');
    // Creation order: oldest first (CacheStorage.keys()).
    expect(staleCaches(['ecard-pin-oldest', 'other-app', 'ecard-pin-older', 'ecard-pin-previous', current], current)).toEqual([
      'ecard-pin-oldest',
      'ecard-pin-older',
    ]);
  });

  it('keeps the only previous build, and has nothing to drop on a first install', () => {
    const current = cacheName('new');
    expect(staleCaches(['ecard-pin-previous', current], current)).toEqual([]);
    expect(staleCaches([current, 'other-app'], current)).toEqual([]);
  });
});

describe('precache URLs', () => {
  it('resolve against the worker scope, the shell being the scope itself', () => {
    expect(precacheUrls({ version: 'v', urls: ['./', 'assets/index-a.js'] }, 'https://ecard.example/app/')).toEqual([
      'https://ecard.example/app/',
      'https://ecard.example/app/assets/index-a.js',
    ]);
  });
});

describe('which requests the worker answers', () => {
  it('answers every navigation in scope with the app shell', () => {
    expect(cacheKeyFor({ method: 'GET', url: `${SCOPE}?kiosk=1`, mode: 'navigate' }, SCOPE)).toBe(SCOPE);
    expect(cacheKeyFor({ method: 'GET', url: `${SCOPE}index.html`, mode: 'navigate' }, SCOPE)).toBe(SCOPE);
  });

  it('answers a same-origin asset by its own URL', () => {
    const url = `${SCOPE}assets/training-VLYii5vG.js`;
    expect(cacheKeyFor({ method: 'GET', url, mode: 'cors' }, SCOPE)).toBe(url);
  });

  it('leaves other origins and other methods to the network', () => {
    expect(cacheKeyFor({ method: 'GET', url: 'https://cdn.example/x.js', mode: 'cors' }, SCOPE)).toBeNull();
    expect(cacheKeyFor({ method: 'POST', url: `${SCOPE}api`, mode: 'cors' }, SCOPE)).toBeNull();
  });

  it('does not mistake a longer host for the scope origin', () => {
    expect(cacheKeyFor({ method: 'GET', url: 'https://ecard.example.evil/x.js', mode: 'cors' }, SCOPE)).toBeNull();
  });
});
