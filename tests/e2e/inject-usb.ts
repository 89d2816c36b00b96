/**
 * Runs in the page before the app (Playwright addInitScript): puts a virtual reader behind
 * `navigator.usb`, as configured by the test in `window.__E2E_READER__`. Chromium has no WebUSB
 * emulation, so a page-level stand-in is how the real app code is driven end to end.
 * With `ecard`, the reader holds a virtual eCard and `window.__e2e` scripts its PIN pad and the CAS.
 */
import { fromHex } from '../../src/ccid/bytes';
import {
  createCasConsole,
  createVirtualEcard,
  createVirtualReader,
  createVirtualUsb,
  type PinPadKey,
  type PinTry,
  type PlatformPolicy,
  type VirtualEcardOptions,
  type VirtualEcardState,
} from '../../src/sim';
import { createApduCard } from '../../src/sim/virtual-card';

export interface E2eReaderConfig {
  readonly descriptorHex: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly productName: string;
  readonly interfaceClass: number;
  readonly atrHex: string | null;
  readonly policy: PlatformPolicy;
  /** A virtual eCard instead of the ATR-only card (atrHex is then ignored). */
  readonly ecard?: VirtualEcardOptions;
  readonly pinpad?: boolean;
  /** A second reader on the bus (same descriptor, another product id), granted before the page loads. */
  readonly secondReader?: boolean;
  /** The readers were granted on an earlier visit: getDevices() returns them at load. */
  readonly granted?: boolean;
}

export interface E2eControls {
  insert(atrHex: string): void;
  /** Takes the card out and inserts a new virtual eCard (a state, or all its options). */
  insertEcard(card: VirtualEcardState | VirtualEcardOptions): void;
  remove(): void;
  /** Pulls the cable; the 'disconnect' event `eventDelayMs` later (default at once). */
  unplug(eventDelayMs?: number): void;
  /** Plugs the unplugged reader back in (a fresh USBDevice, 'connect'). */
  replug(): void;
  /** Keys pressed on the PIN pad, in order. */
  press(keys: readonly PinPadKey[]): void;
  /** The card's own record of PIN commands. */
  ledger(): readonly PinTry[];
  /** Scripts the PIN pad's next prompts: digits then OK, in order. */
  pinpadEnter(...entries: string[]): void;
  /** The digits typed on the PIN pad at the prompt on display (after `pressKeys`). */
  pressKeys(keys: string): void;
  /** The prompt on the PIN pad display now, or null. */
  pinpadPrompt(): string | null;
  casUnblock(): string;
  casInvalidate(): void;
  /** The card's PIN is `pin` now. */
  hasPin(pin: string): boolean;
  triesConsumed(): number;
  /** The card runs its next command, then answers nothing until it is powered again. */
  muteCardAfterNextCommand(): void;
}

declare global {
  interface Window {
    __E2E_READER__?: E2eReaderConfig;
    __e2e?: E2eControls;
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
    ...(config.pinpad ? { pinpad: true } : {}),
  });
  let ecard = config.ecard ? createVirtualEcard(config.ecard) : null;
  let cas = ecard ? createCasConsole(ecard) : null;
  const insert = (atrHex: string) =>
    reader.insert(createApduCard({ atr: fromHex(atrHex), apdu: () => Uint8Array.of(0x90, 0x00) }));
  const insertEcard = (card: VirtualEcardState | VirtualEcardOptions) => {
    reader.remove();
    ecard = createVirtualEcard(typeof card === 'string' ? { state: card } : card);
    cas = createCasConsole(ecard);
    reader.insert(ecard);
  };
  if (ecard) reader.insert(ecard);
  else if (config.atrHex) insert(config.atrHex);
  const readers = [reader];
  if (config.secondReader) {
    const second = createVirtualReader({ descriptor: config.descriptorHex, vendorId: config.vendorId, productId: config.productId + 1, productName: 'Second reader' });
    second.insert(createVirtualEcard({ state: 'active' }));
    readers.push(second);
  }
  const usb = createVirtualUsb(readers);
  if (config.granted) {
    for (const r of readers) void usb.requestDevice({ filters: [{ vendorId: r.device.vendorId, productId: r.device.productId }] });
  }
  Object.defineProperty(Navigator.prototype, 'usb', { configurable: true, get: () => usb });
  window.__e2e = {
    insert,
    insertEcard,
    remove: () => reader.remove(),
    unplug: (eventDelayMs) => usb.detach(reader, eventDelayMs),
    replug: () => void usb.replug(reader),
    press: (keys) => keys.forEach((k) => reader.pinpad?.press(k)),
    ledger: () => ecard?.ledger ?? [],
    pinpadEnter: (...entries) => entries.forEach((e) => reader.pinpad?.enter(e)),
    pressKeys: (keys) => [...keys].forEach((k) => reader.pinpad?.press(k === '#' ? 'ok' : (k as '0'))),
    pinpadPrompt: () => reader.pinpad?.prompt?.kind ?? null,
    casUnblock: () => cas?.unblock() ?? 'no card',
    casInvalidate: () => cas?.invalidate(),
    hasPin: (pin) => ecard?.hasPin(pin) ?? false,
    triesConsumed: () => ecard?.triesConsumed() ?? 0,
    muteCardAfterNextCommand: () => ecard?.faults.muteAfterNextCommand(),
  };
}
