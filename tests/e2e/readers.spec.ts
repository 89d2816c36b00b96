import { test, expect, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { readerVector } from '../support/corpus';
import type { E2eReaderConfig } from './inject-usb';

const INJECT = fileURLToPath(new URL('../../dist-test/inject-usb.js', import.meta.url));
const ECARD_ATR = '3B F0 13 00 00 81 31 FE 45 E8';

async function withReader(page: Page, file: string, extra: Partial<E2eReaderConfig> = {}) {
  const v = readerVector(file);
  const config: E2eReaderConfig = {
    descriptorHex: v.ccid_class_descriptor_hex,
    vendorId: v.idVendor,
    productId: v.idProduct,
    productName: v.iProduct ?? 'reader',
    interfaceClass: v.interface.bInterfaceClass,
    atrHex: ECARD_ATR,
    policy: {},
    ...extra,
  };
  await page.addInitScript((c) => {
    window.__E2E_READER__ = c;
  }, config);
  await page.addInitScript({ path: INJECT });
}

test('connects a reader, powers the card and shows its ATR', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt');
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  const reader = page.getByTestId('reader');
  await expect(reader).toContainText('076B:3821');
  await reader.getByRole('button', { name: 'Deschide' }).click();
  await expect(reader.getByTestId('exchange-level')).toHaveText('APDU scurt');
  await expect(reader.getByTestId('pin-pad')).toHaveText('da');
  await reader.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(reader.getByTestId('atr')).toHaveText(ECARD_ATR);
});

test('says in plain Romanian when Chrome protects the smart card class', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { policy: { protectedClass: true } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await page.getByRole('button', { name: 'Deschide' }).click();
  await expect(page.getByTestId('error')).toContainText('Isolated Web App');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByTestId('error')).toContainText('Chrome does not let a normal web page use a smart card reader');
});

test('reports a card that is not there, then reads it once inserted', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { atrHex: null });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await page.getByRole('button', { name: 'Deschide' }).click();
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
  await reader.getByRole('button', { name: 'Deschide' }).click();
  await reader.getByRole('button', { name: 'Pornește cardul' }).click();
  await expect(reader.getByTestId('atr')).toHaveText(ECARD_ATR);
});
