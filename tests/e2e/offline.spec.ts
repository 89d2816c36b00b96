/** The production build keeps working with the network gone once the offline worker controls the page. */
import { test, expect } from '@playwright/test';
import { ECARD_ATR } from './desk';

test('after the first load the app and the training reader work offline', async ({ page, context }) => {
  await page.goto('/');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await expect(page.getByRole('status').filter({ hasText: 'Funcționează și fără internet' })).toBeVisible();

  await context.setOffline(true);
  const notFromWorker: string[] = [];
  page.on('response', (response) => {
    if (!response.fromServiceWorker()) notFromWorker.push(response.url());
  });
  page.on('requestfailed', (request) => notFromWorker.push(`failed: ${request.url()}`));
  await page.reload();
  await page.getByRole('button', { name: 'Fișier' }).click();
  await expect(page.getByRole('button', { name: 'Conectează cititorul' })).toBeVisible();
  await page.getByRole('button', { name: 'Cititor de instruire' }).click();
  const reader = page.getByTestId('reader');
  await expect(reader).toContainText('Mod instruire');
  await reader.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(reader.getByTestId('atr')).toHaveText(ECARD_ATR);
  expect(notFromWorker).toEqual([]);
});

test('the offline line follows the app language', async ({ page }) => {
  await page.goto('/');
  const status = page.locator('#offline-status');
  await expect(status).toHaveText('Funcționează și fără internet');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(status).toHaveText('Works offline');
  await expect(status).toHaveAttribute('lang', 'en');
});
