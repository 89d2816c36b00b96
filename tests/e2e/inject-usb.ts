/**
 * Runs in the page before the app (Playwright addInitScript): puts a virtual reader behind
 * `navigator.usb`, as configured by the test in `window.__E2E_READER__`. Chromium has no WebUSB
 * emulation, so a page-level stand-in is how the real app code is driven end to end.
 */
import { fromHex } from '../../src/ccid/bytes';
import { createVirtualReader, createVirtualUsb, type PlatformPolicy } from '../../src/sim';
import { createApduCard } from '../../src/sim/virtual-card';

export interface E2eReaderConfig {
  readonly descriptorHex: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly productName: string;
  readonly interfaceClass: number;
  readonly atrHex: string | null;
  readonly policy: PlatformPolicy;
}

declare global {
  interface Window {
    __E2E_READER__?: E2eReaderConfig;
    __e2e?: { insert(atrHex: string): void; remove(): void; unplug(): void };
  }
}

const config = window.__E2E_READER__;
if (config) {
  const reader = createVirtualReader({
    descriptor: config.descriptorHex,
    vendorId: config.vendorId,
    productId: config.productId,
    productName: config.productName,
    interfaceClass: config.interfaceClass,
    policy: config.policy,
  });
  const insert = (atrHex: string) =>
    reader.insert(createApduCard({ atr: fromHex(atrHex), apdu: () => Uint8Array.of(0x90, 0x00) }));
  if (config.atrHex) insert(config.atrHex);
  const usb = createVirtualUsb([reader]);
  Object.defineProperty(Navigator.prototype, 'usb', { configurable: true, get: () => usb });
  window.__e2e = { insert, remove: () => reader.remove(), unplug: () => usb.detach(reader) };
}
