/**
 * The built app installed as an Isolated Web App in this machine's Chromium, through the dev-mode
 * proxy (tests/browser-usb/iwa-dev.ts; no USB device needed): it runs from isolated-app://,
 * cross-origin isolated, with usb-unrestricted granted by its manifest, or not in the control.
 * A protected-class reader injected into the app (as every e2e does) shows the wording fit for an
 * IWA, with and without the permission. The same without injection, over real USB: tests/browser-usb.
 */
import { test, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveApp, type AppServer } from '../../scripts/serve-app.mjs';
import { launchChromium, type RunningChromium } from '../browser-usb/chromium';
import { installFromDevProxy, openIsolatedApp, permissionsOf, type InstalledApp } from '../browser-usb/iwa-dev';
import { proxyModeBundleId } from '../iwa/web-bundle-id';
import { withReader } from './desk';

const DIST = fileURLToPath(new URL('../../dist', import.meta.url));

let chromium: RunningChromium;
let profile = '';
let servers: AppServer[] = [];
let app: InstalledApp;
let control: InstalledApp;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'ecard-iwa-e2e-'));
  servers = [await serveApp({ root: DIST, iwa: true }), await serveApp({ root: DIST, iwa: true, usbUnrestricted: false })];
  chromium = await launchChromium({ userDataDir: profile, isolatedWebApps: true });
  const [iwa, withoutPermission] = servers as [AppServer, AppServer];
  app = await installFromDevProxy(chromium.context, iwa.url, { route: 'iwa-dev' });
  control = await installFromDevProxy(chromium.context, withoutPermission.url, { route: 'devtools', webBundleId: proxyModeBundleId('e2e control') });
});

test.afterAll(async () => {
  await chromium?.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(profile, { recursive: true, force: true });
});

async function protectedClassNote(page: Page) {
  await withReader(page, 'CardMan3821.txt', { policy: { protectedClass: true } });
  await page.goto(page.url());
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  return page.getByTestId('reader').getByTestId('error');
}

test('installed through chrome://iwa-dev’s Dev Mode Proxy: isolated, cross-origin isolated, usb-unrestricted granted', async () => {
  expect(app.name).toBe('eCard PIN');
  expect(app.origin).toMatch(/^isolated-app:\/\/[a-z2-7]{52}aaac$/);
  const page = await openIsolatedApp(chromium.context, app);
  await expect(page.locator('h1')).toHaveText('eCard PIN');
  expect(await permissionsOf(page)).toEqual({ usb: true, usbUnrestricted: true, crossOriginIsolated: true, protocol: 'isolated-app:' });
  await page.close();
});

test('in the IWA with usb-unrestricted, a refused claim blames neither the page nor the manifest', async () => {
  const page = await openIsolatedApp(chromium.context, app);
  const note = await protectedClassNote(page);
  await expect(note).toContainText('deși aplicația are permisiunea „usb-unrestricted”');
  await expect(note).not.toContainText('pagini web obișnuite');
  await page.close();
});

test('the control without usb-unrestricted (CDP PWA.install, an ID chosen in advance): the IWA wording', async () => {
  expect(control.origin).toBe(`isolated-app://${proxyModeBundleId('e2e control')}`);
  const page = await openIsolatedApp(chromium.context, control);
  expect((await permissionsOf(page)).usbUnrestricted).toBe(false);
  const note = await protectedClassNote(page);
  await expect(note).toContainText('nu are permisiunea Chrome „usb-unrestricted”');
  await expect(note).not.toContainText('pagini web obișnuite');
  await page.close();
});
