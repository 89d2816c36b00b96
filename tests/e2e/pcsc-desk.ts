/** The e2e desk of the PC/SC transport: corpus readers behind the in-page navigator.smartCard (inject-smart-card.ts). */
import type { Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { readerVector } from '../support/corpus';
import type { VirtualEcardOptions } from '../../src/sim';
import type { E2eSmartCardConfig, E2eSmartCardReader } from './inject-smart-card';

const INJECT = fileURLToPath(new URL('../../dist-test/inject-smart-card.js', import.meta.url));

export function pcscReader(file: string, extra: { pinpad?: boolean; ecard?: VirtualEcardOptions; manufacturerName?: string } = {}): E2eSmartCardReader {
  const v = readerVector(file);
  return { descriptorHex: v.ccid_class_descriptor_hex, vendorId: v.idVendor, productId: v.idProduct, productName: v.iProduct ?? 'reader', ...extra };
}

export async function withSmartCard(page: Page, config: E2eSmartCardConfig): Promise<void> {
  await page.addInitScript((c) => {
    window.__E2E_SMART_CARD__ = c;
  }, config);
  await page.addInitScript({ path: INJECT });
}
