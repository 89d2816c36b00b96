/**
 * Runs in the page before the app (Playwright addInitScript), like inject-usb.ts: puts a
 * navigator.smartCard there, as configured by the test in `window.__E2E_SMART_CARD__`. It is the
 * Web Smart Card API of tests/support/web-smart-card/api.ts (the spec's rules: InvalidStateError on
 * concurrent calls, SmartCardError response codes, getStatusChange with AbortSignal / timeout) over
 * the pcsc-lite + libccid stand-in in front of virtual corpus readers holding virtual eCards —
 * ChromeOS's Smart Card Connector, as far as the page can tell. `window.__pcsc` scripts the pads,
 * the cards, the CAS and "another program". No QEMU, no real stack: those are tests/pcsc-bridge.
 */
import type { SmartCardResourceManager } from '../../src/pcsc';
import {
  createCasConsole,
  createVirtualEcard,
  createVirtualReader,
  createVirtualUsb,
  type CasConsole,
  type VirtualEcard,
  type VirtualEcardOptions,
  type VirtualEcardState,
  type VirtualReader,
} from '../../src/sim';
import { createSmartCardResourceManager, SmartCardErrorImpl, type PcscBackend } from '../support/web-smart-card/api';
import { createSimPcsc } from '../support/web-smart-card/sim-backend';

export interface E2eSmartCardReader {
  readonly descriptorHex: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly productName: string;
  readonly manufacturerName?: string;
  readonly pinpad?: boolean;
  /** The card in it at load; none: an empty reader. */
  readonly ecard?: VirtualEcardOptions;
}

export interface E2eSmartCardConfig {
  readonly readers: readonly E2eSmartCardReader[];
  /** establishContext() rejects with a DOMException of this name ("SecurityError": "smart-card" not allowed). */
  readonly establishError?: string;
  /** Reader 0 is also a WebUSB device granted earlier that cannot be claimed (the Connector holds it). */
  readonly webUsbTwin?: boolean;
  /** Another program holds reader 0 exclusively from the start (until `__pcsc.release()`). */
  readonly heldByAnotherProgram?: boolean;
}

export interface E2ePcscControls {
  /** Scripts the next prompts of reader `i`'s PIN pad: digits then OK, in order. */
  pinpadEnter(i: number, ...entries: string[]): void;
  /** Keys typed on the PIN pad of reader `i` at the prompt on display ('#' is OK). */
  pressKeys(i: number, keys: string): void;
  pinpadPrompt(i: number): string | null;
  remove(i: number): void;
  insertEcard(i: number, state: VirtualEcardState): void;
  unplug(i: number): void;
  casUnblock(i: number): string;
  hasPin(i: number, pin: string): boolean;
  triesConsumed(i: number): number;
  /** The other program lets go. */
  release(): void;
  /** SCardControl() calls the page made: code and data in hex (PIN structures carry no PIN). */
  controls(): string[];
  /** Whether the page opened the WebUSB twin of reader 0 (it must not). */
  twinOpened(): boolean;
}

declare global {
  interface Window {
    __E2E_SMART_CARD__?: E2eSmartCardConfig;
    __pcsc?: E2ePcscControls;
  }
}

const config = window.__E2E_SMART_CARD__;
if (config) {
  const sim = createSimPcsc();
  const readers: VirtualReader[] = [];
  const cards: (VirtualEcard | null)[] = [];
  const cas: (CasConsole | null)[] = [];
  const names: string[] = [];
  const controls: string[] = [];
  let release: (() => void) | null = null;
  const insert = (i: number, card: VirtualEcard) => {
    cards[i] = card;
    cas[i] = createCasConsole(card);
    readers[i]?.insert(card);
  };
  config.readers.forEach((r, i) => {
    readers[i] = createVirtualReader({
      descriptor: r.descriptorHex,
      vendorId: r.vendorId,
      productId: r.productId,
      productName: r.productName,
      ...(r.manufacturerName ? { manufacturerName: r.manufacturerName } : {}),
      serialNumber: `PCSC-${i}`,
      ...(r.pinpad ? { pinpad: true } : {}),
    });
    cards[i] = null;
    cas[i] = null;
    if (r.ecard) insert(i, createVirtualEcard(r.ecard));
  });
  // The stack starts with its readers attached; calls wait for that, as pcscd answers once it has scanned.
  const attached = (async () => {
    for (const [i, reader] of readers.entries()) names[i] = await sim.attach(reader);
    if (config.heldByAnotherProgram) release = await sim.holdExclusive(names[0] ?? '');
  })();
  const backend = new Proxy(sim.backend, {
    get(target, key: keyof PcscBackend) {
      const method = target[key] as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        await attached;
        if (key === 'control') controls.push(`${(args[1] as number).toString(16).toUpperCase()} ${Array.from(args[2] as Uint8Array, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ')}`);
        return method.apply(target, args);
      };
    },
  });
  const api = createSmartCardResourceManager(backend);
  const manager: SmartCardResourceManager = config.establishError
    ? { establishContext: () => Promise.reject(new DOMException('The "smart-card" permissions policy does not allow this document.', config.establishError)) }
    : api;
  Object.defineProperty(Navigator.prototype, 'smartCard', { configurable: true, get: () => manager });
  Object.defineProperty(window, 'SmartCardError', { configurable: true, value: SmartCardErrorImpl });

  let twin: VirtualReader | null = null;
  const first = config.readers[0];
  if (config.webUsbTwin && first) {
    // What WebUSB sees of a reader the Connector holds: the same device, whose interface another program claimed.
    twin = createVirtualReader({
      descriptor: first.descriptorHex,
      vendorId: first.vendorId,
      productId: first.productId,
      productName: first.productName,
      ...(first.manufacturerName ? { manufacturerName: first.manufacturerName } : {}),
      serialNumber: 'PCSC-0',
      policy: { busy: true },
    });
    const usb = createVirtualUsb([twin]);
    void usb.requestDevice({ filters: [{ vendorId: first.vendorId, productId: first.productId }] });
    Object.defineProperty(Navigator.prototype, 'usb', { configurable: true, get: () => usb });
  }

  const pad = (i: number) => readers[i]?.pinpad ?? null;
  window.__pcsc = {
    pinpadEnter: (i, ...entries) => entries.forEach((e) => pad(i)?.enter(e)),
    pressKeys: (i, keys) => [...keys].forEach((k) => pad(i)?.press(k === '#' ? 'ok' : (k as '0'))),
    pinpadPrompt: (i) => pad(i)?.prompt?.kind ?? null,
    remove: (i) => readers[i]?.remove(),
    insertEcard: (i, state) => {
      readers[i]?.remove();
      insert(i, createVirtualEcard({ state }));
    },
    unplug: (i) => sim.detach(names[i] ?? ''),
    casUnblock: (i) => cas[i]?.unblock() ?? 'no card',
    hasPin: (i, pin) => cards[i]?.hasPin(pin) ?? false,
    triesConsumed: (i) => cards[i]?.triesConsumed() ?? 0,
    release: () => release?.(),
    controls: () => [...controls],
    twinOpened: () => twin?.device.opened ?? false,
  };
}
