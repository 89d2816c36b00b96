/**
 * Every main screen: axe-core (WCAG 2.0/2.1/2.2 A and AA rules) must find nothing. With
 * SCREENSHOTS=1 each screen is also saved to docs/screenshots/ (for the README).
 */
import { test, expect } from '@playwright/test';
import { screen } from './a11y';
import { withReader } from './desk';

test.use({ viewport: { width: 1100, height: 800 } });

test('first screen, no reader yet', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active' } });
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Conectează cititorul' })).toBeVisible();
  await page.getByRole('button', { name: 'Fișier' }).click();
  await screen(page, '01-start-menu');
});

test('blocked card: -15, CID guidance, CAS contacts', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'blocked' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('outcome-code')).toHaveText('-15');
  await screen(page, '02-blocked-card');
});

test('PIN pad entry in progress', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await page.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await expect(page.getByTestId('pinpad-entry')).toBeVisible();
  await screen(page, '03-pinpad-entry');
});

test('on-screen keypad', async ({ page }) => {
  await withReader(page, 'GemPCTwin.txt', { ecard: { state: 'active' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await page.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await page.getByTestId('screen-keypad').getByRole('button', { name: '1', exact: true }).click();
  await screen(page, '04-screen-keypad');
});

test('last-try confirmation', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active', triesLeft: 1 } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await page.getByRole('button', { name: 'Verifică PIN' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await screen(page, '05-last-try', false);
});

test('invalid card, in English', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'invalid' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('button', { name: 'Connect reader' }).click();
  await expect(page.getByTestId('outcome-code')).toHaveText('-17');
  await screen(page, '06-invalid-card-en');
});

test('protected class: what to do', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { policy: { protectedClass: true } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('error')).toContainText('Isolated Web App');
  await screen(page, '07-protected-class');
});

test('training mode with the virtual terminal', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Cititor de instruire' }).click();
  await expect(page.getByTestId('card-state')).toHaveText('Activ');
  await page.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await expect(page.getByTestId('terminal-lcd')).toContainText('PIN actual?');
  await page.getByTestId('virtual-terminal').getByRole('button', { name: '1', exact: true }).click();
  await screen(page, '08-training');
});

test('PIN changed (notice step 8), diagnostics open', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active', pin: '0000' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('card-state')).toHaveText('Activ');
  await page.evaluate(() => window.__e2e?.pinpadEnter('0000', '4821', '4821'));
  await page.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await expect(page.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  await page.getByText('Diagnostic (pentru asistență)').click();
  await screen(page, '09-pin-changed-diagnostics');
});
