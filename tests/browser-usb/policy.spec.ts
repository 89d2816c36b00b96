import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyOrigin, webUsbAllowDevicesForUrls, writeManagedPolicy } from './policy';

const CYBERJACK_PINPAD = { vendorId: 0x0c4b, productId: 0x0300 };
const GEMPC_PINPAD = { vendorId: 0x08e6, productId: 0x3478 };
const IWA = 'isolated-app://2sezr7skhviumapp6m5ql3e6dxdou2ysc4dwlgatjyawd62tbciqaaac';

describe('WebUsbAllowDevicesForUrls', () => {
  it('allows the readers (decimal VID/PID, as Chrome wants them) to the page and to the IWA', () => {
    expect(webUsbAllowDevicesForUrls([CYBERJACK_PINPAD, GEMPC_PINPAD], ['http://127.0.0.1:4476/', `${IWA}/`])).toEqual({
      WebUsbAllowDevicesForUrls: [
        {
          devices: [
            { vendor_id: 3147, product_id: 768 },
            { vendor_id: 2278, product_id: 13432 },
          ],
          urls: ['http://127.0.0.1:4476', IWA],
        },
      ],
    });
  });

  it('names each origin once, whatever the trailing slash', () => {
    expect(webUsbAllowDevicesForUrls([GEMPC_PINPAD], [IWA, `${IWA}/`]).WebUsbAllowDevicesForUrls[0]?.urls).toEqual([IWA]);
  });

  it('refuses what Chrome would ignore: paths, other schemes, ids out of range, empty lists', () => {
    expect(() => policyOrigin('http://127.0.0.1:4476/index.html')).toThrow('an origin has no path');
    expect(() => policyOrigin('file:///tmp/app')).toThrow('not an http(s) or isolated-app origin');
    expect(() => policyOrigin('127.0.0.1:4476')).toThrow();
    expect(() => webUsbAllowDevicesForUrls([{ vendorId: 0x10000, productId: 1 }], [IWA])).toThrow('not a USB VID:PID');
    expect(() => webUsbAllowDevicesForUrls([], [IWA])).toThrow('no device');
    expect(() => webUsbAllowDevicesForUrls([GEMPC_PINPAD], [])).toThrow('no URL');
  });

  it('is written as a world-readable JSON file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecard-policy-'));
    try {
      const policy = webUsbAllowDevicesForUrls([GEMPC_PINPAD], [IWA]);
      const path = writeManagedPolicy(policy, join(dir, 'managed'));
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(policy);
      expect(statSync(path).mode & 0o777).toBe(0o644);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
