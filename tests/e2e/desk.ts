/** The e2e desk: a virtual reader from the corpus injected as navigator.usb before the page loads. */
import type { Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { readerVector } from '../support/corpus';
import type { E2eReaderConfig } from './inject-usb';

const INJECT = fileURLToPath(new URL('../../dist-test/inject-usb.js', import.meta.url));
export const ECARD_ATR = '3B F0 13 00 00 81 31 FE 45 E8';

export async function withReader(page: Page, file: string, extra: Partial<E2eReaderConfig> = {}): Promise<void> {
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
