import { test, expect } from '@playwright/test';
import { ECARD_ATR, withReader } from './desk';

test('connects a reader, powers the card and shows its ATR', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt');
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  const reader = page.getByTestId('reader');
  await expect(reader).toContainText('076B:3821');
  await expect(reader.getByTestId('reader-name')).toHaveText('OMNIKEY AG Smart Card Reader USB');
  await expect(reader.getByTestId('exchange-level')).toHaveText('APDU scurt');
  await expect(reader.getByTestId('pin-pad')).toHaveText('da');
  await reader.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(reader.getByTestId('atr')).toHaveText(ECARD_ATR);
});

test('says in plain Romanian when Chrome protects the smart card class', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { policy: { protectedClass: true } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('error')).toContainText('Isolated Web App');
  await expect(page.getByTestId('reader-outcome')).toContainText('vedeți mai jos, la cititor');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByTestId('error')).toContainText('Chrome does not let a normal web page use a smart card reader');
});

test('reports a card that is not there, then reads it once inserted', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { atrHex: null });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('card-status')).toHaveText('Niciun card în cititor');
  await page.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(page.getByTestId('error')).toContainText('Nu este niciun card în cititor');
  await page.evaluate((atr) => window.__e2e?.insert(atr), ECARD_ATR);
  await expect(page.getByTestId('card-status')).toHaveText('Card introdus');
  await page.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(page.getByTestId('atr')).toHaveText(ECARD_ATR);
});

test('offers the training reader with no hardware and no WebUSB', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'usb', { configurable: true, get: () => undefined });
    delete (Navigator.prototype as { usb?: unknown }).usb;
  });
  await page.goto('/');
  await expect(page.getByTestId('no-webusb')).toBeVisible();
  await page.getByRole('button', { name: 'Cititor de instruire' }).click();
  const reader = page.getByTestId('reader');
  await expect(reader).toContainText('Mod instruire');
  await reader.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(reader.getByTestId('atr')).toHaveText(ECARD_ATR);
});

test('access denied by the system: the WinUSB driver / udev rule', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { policy: { accessDenied: true } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('error')).toContainText('WinUSB');
  await expect(page.getByTestId('error')).toContainText('udev');
});

test('a reader held by another program (pcscd)', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { policy: { busy: true } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('error')).toContainText('pcscd');
});

test('readers granted before are reconnected on load; two of them → -10', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active' }, secondReader: true, granted: true });
  await page.goto('/');
  await expect(page.getByTestId('reader')).toHaveCount(2);
  await expect(page.getByTestId('reader-outcome')).toContainText('-10');
  for (const name of ['Verifică PIN', 'Schimbă PIN eCard']) await expect(page.getByRole('button', { name })).toBeDisabled();
  await page.getByRole('button', { name: 'Închide' }).nth(1).click();
  await expect(page.getByTestId('card-state')).toHaveText('Activ');
});
