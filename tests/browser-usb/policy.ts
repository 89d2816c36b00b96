/**
 * The managed policy that lets the app open readers without Chrome's chooser (a headless Chromium
 * has no one to answer it): WebUsbAllowDevicesForUrls, read on Linux from JSON files in
 * /etc/chromium/policies/managed/ (Chromium's ConfigDirPolicyLoader).
 *
 * Seen on Debian's Chromium 156: a file written while Chromium runs is not picked up by itself
 * (none within 60 s; the loader's fallback is a reload every 15 minutes, kReloadInterval in
 * components/policy/core/common/async_policy_loader.cc); chrome://policy's "Reload policies"
 * (RefreshPolicies → AsyncPolicyLoader::Reload(force)) applies it within about a second. The suite
 * writes the file before Chromium starts, naming every origin, the IWAs' included (their IDs are
 * fixed: iwa-dev.ts 'devtools'), and checks on chrome://policy that Chromium applied it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

export const MANAGED_POLICY_DIR = '/etc/chromium/policies/managed';
export const POLICY_FILE_NAME = 'ecard-pin-webusb.json';

export interface UsbDeviceId {
  readonly vendorId: number;
  readonly productId: number;
}

/** The policy value's shape (chromeenterprise.google/policies/#WebUsbAllowDevicesForUrls). */
export interface WebUsbAllowDevicesForUrls {
  readonly WebUsbAllowDevicesForUrls: readonly {
    readonly devices: readonly { readonly vendor_id: number; readonly product_id: number }[];
    readonly urls: readonly string[];
  }[];
}

export class PolicyValueError extends Error {
  override readonly name = 'PolicyValueError';
}

const isUsbId = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff;

/** An origin as the policy wants it: scheme://host[:port], no path; isolated-app:// included. */
export function policyOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PolicyValueError(`not a URL: ${url}`);
  }
  const isolated = parsed.protocol === 'isolated-app:';
  if (!isolated && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PolicyValueError(`not an http(s) or isolated-app origin: ${url}`);
  if (parsed.pathname !== '/' && parsed.pathname !== '') throw new PolicyValueError(`an origin has no path: ${url}`);
  return isolated ? `isolated-app://${parsed.host}` : parsed.origin;
}

/** Every listed reader allowed to every listed origin (the plain page and the IWA). */
export function webUsbAllowDevicesForUrls(devices: readonly UsbDeviceId[], urls: readonly string[]): WebUsbAllowDevicesForUrls {
  if (devices.length === 0) throw new PolicyValueError('no device to allow');
  if (urls.length === 0) throw new PolicyValueError('no URL to allow the devices to');
  for (const d of devices) {
    if (!isUsbId(d.vendorId) || !isUsbId(d.productId)) throw new PolicyValueError(`not a USB VID:PID: ${d.vendorId}:${d.productId}`);
  }
  return {
    WebUsbAllowDevicesForUrls: [
      {
        devices: devices.map((d) => ({ vendor_id: d.vendorId, product_id: d.productId })),
        urls: [...new Set(urls.map(policyOrigin))],
      },
    ],
  };
}

/** Writes the policy file (root only: the directory belongs to root). Returns its path. */
export function writeManagedPolicy(policy: object, dir = MANAGED_POLICY_DIR, fileName = POLICY_FILE_NAME): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, fileName);
  writeFileSync(path, `${JSON.stringify(policy, null, 2)}\n`, { mode: 0o644 });
  return path;
}

/** Chrome's policies as chrome://policy shows them (name → value), read on an open chrome://policy page. */
async function policiesOn(page: Page): Promise<Record<string, unknown>> {
  const json = await page.evaluate<string>(`(async () => {
    const cr = await import('chrome://resources/js/cr.js');
    return await new Promise((resolve) => {
      cr.addWebUiListener('policies-updated', (_names, values) => resolve(JSON.stringify(values)));
      chrome.send('listenPoliciesUpdates');
    });
  })()`);
  const values = JSON.parse(json) as { policyGroups: { chrome: { policies: Record<string, { value: unknown }> } } };
  return Object.fromEntries(Object.entries(values.policyGroups.chrome.policies).map(([name, p]) => [name, p.value]));
}

export async function effectivePolicies(context: BrowserContext): Promise<Record<string, unknown>> {
  const page = await context.newPage();
  try {
    await page.goto('chrome://policy');
    return await policiesOn(page);
  } finally {
    await page.close();
  }
}
