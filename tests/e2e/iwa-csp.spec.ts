/**
 * The built app under the headers of the Isolated Web App bundle (strict CSP with Trusted Types,
 * COOP/COEP): it must render and load its on-demand chunks without a single CSP violation.
 * Chromium cannot open an isolated-app:// origin here, so the headers are added to the preview.
 */
import { test, expect } from '@playwright/test';
import { IWA_HEADERS } from '../../scripts/build-iwa.mjs';
import { ECARD_ATR } from './desk';

test('the app runs under the IWA security headers with no CSP violation', async ({ page }) => {
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), ...IWA_HEADERS } });
  });
  // In an IWA the page registers no worker (location.protocol is isolated-app:); same here.
  await page.addInitScript(() => {
    delete (Navigator.prototype as { serviceWorker?: unknown }).serviceWorker;
    window.addEventListener('securitypolicyviolation', (e) => {
      (window as { violations?: string[] }).violations ??= [];
      (window as { violations?: string[] }).violations?.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto('/');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.getByRole('button', { name: 'Cititor de instruire' }).click();
  const reader = page.getByTestId('reader');
  await reader.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(reader.getByTestId('atr')).toHaveText(ECARD_ATR);
  await page.getByRole('button', { name: 'Fișier' }).click();
  expect(await page.evaluate(() => (window as { violations?: string[] }).violations ?? [])).toEqual([]);
});
