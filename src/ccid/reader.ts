/**
 * A CCID reader over a W3C USBDevice: finds the CCID interface, claims it, and gives one object per
 * slot. Nothing here knows the eCard.
 */
import { findCcidInterfaces, type CcidClassDescriptor, type CcidInterface } from './descriptors';
import { DeviceDisconnectedError, UnsupportedReaderError, type CcidError } from './errors';
import type { InterruptMessage } from './messages';
import { CcidSlot } from './slot';
import { CcidTransport, type TransportOptions } from './transport';
import { usbError } from './usb-errors';

export interface ReaderOptions extends TransportOptions {
  /** Which CCID interface to drive when the device has several (default: the first). */
  readonly interfaceNumber?: number;
  /** GetSlotStatus polling period for readers without an interrupt endpoint, ms. */
  readonly pollIntervalMs?: number;
}

export interface SlotChange {
  readonly slot: number;
  readonly present: boolean;
}

/** A slot's card was powered (its ATR) or is no longer (null): off, removed, or the reader reset it. */
export interface CardPower {
  readonly slot: number;
  readonly atr: Uint8Array | null;
}

export interface ReaderEvents {
  slotchange: SlotChange;
  cardpower: CardPower;
  disconnect: DeviceDisconnectedError;
  hardwareerror: { readonly slot: number; readonly code: number };
}

type Listener<T> = (value: T) => void;

/** USB 2.0 §9.4.3: GET_DESCRIPTOR; wValue = type << 8 | index. */
const GET_DESCRIPTOR = 0x06;
const CONFIGURATION = 0x02;
/** CCID 1.1 §5.3.2 / §5.3.3 class requests. */
const GET_CLOCK_FREQUENCIES = 0x02;
const GET_DATA_RATES = 0x03;

export class CcidReader {
  readonly device: USBDevice;
  readonly ccid: CcidInterface;
  readonly slots: readonly CcidSlot[];
  /** GET_CLOCK_FREQUENCIES answer in kHz; empty when the reader announces none. */
  readonly clockFrequenciesKhz: readonly number[];
  /** GET_DATA_RATES answer in bps; empty when the reader announces none. */
  readonly dataRates: readonly number[];
  readonly transport: CcidTransport;

  readonly #listeners: { [K in keyof ReaderEvents]: Set<Listener<ReaderEvents[K]>> } = {
    slotchange: new Set(),
    cardpower: new Set(),
    disconnect: new Set(),
    hardwareerror: new Set(),
  };
  readonly #pollIntervalMs: number;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #lastPresence: boolean[] = [];

  private constructor(
    transport: CcidTransport,
    clocks: readonly number[],
    rates: readonly number[],
    pollIntervalMs: number,
  ) {
    this.transport = transport;
    this.device = transport.device;
    this.ccid = transport.ccid;
    this.clockFrequenciesKhz = clocks;
    this.dataRates = rates;
    this.#pollIntervalMs = pollIntervalMs;
    this.slots = Array.from(
      { length: this.ccid.descriptor.slotCount },
      (_, i) =>
        new CcidSlot(
          transport,
          this.ccid.descriptor,
          rates,
          i,
          (listener) =>
            this.on('slotchange', (change) => {
              if (change.slot === i) listener(change.present);
            }),
          (atr) => this.#emit('cardpower', { slot: i, atr }),
        ),
    );
    transport.onInterrupt((message) => this.#onInterrupt(message));
    transport.onDisconnect((error) => {
      this.#stopPolling();
      for (const listener of [...this.#listeners.disconnect]) listener(error);
    });
  }

  get descriptor(): CcidClassDescriptor {
    return this.ccid.descriptor;
  }

  /** Opens the device, reads its configuration descriptor, claims the CCID interface. */
  static async open(device: USBDevice, options: ReaderOptions = {}): Promise<CcidReader> {
    if (!device.opened) await usbStep('open', () => device.open());
    const ccid = await readCcidInterface(device, options.interfaceNumber);
    if (device.configuration?.configurationValue !== ccid.configurationValue) {
      await usbStep('selectConfiguration', () => device.selectConfiguration(ccid.configurationValue));
    }
    const transport = await CcidTransport.open(device, ccid, options);
    const clocks = await readList(transport, GET_CLOCK_FREQUENCIES, ccid.descriptor.bNumClockSupported);
    const rates = await readList(transport, GET_DATA_RATES, ccid.descriptor.bNumDataRatesSupported);
    return new CcidReader(transport, clocks, rates, options.pollIntervalMs ?? 500);
  }

  on<K extends keyof ReaderEvents>(event: K, listener: Listener<ReaderEvents[K]>): () => void {
    this.#listeners[event].add(listener);
    if (event === 'slotchange') this.#startPollingIfNeeded();
    return () => {
      this.#listeners[event].delete(listener);
      if (event === 'slotchange' && this.#listeners.slotchange.size === 0) this.#stopPolling();
    };
  }

  async close(): Promise<void> {
    this.#stopPolling();
    await this.transport.close();
  }

  #emit<K extends keyof ReaderEvents>(event: K, value: ReaderEvents[K]): void {
    for (const listener of [...this.#listeners[event]]) listener(value);
  }

  #onInterrupt(message: InterruptMessage): void {
    if (message.type === 'HardwareError') {
      this.#emit('hardwareerror', { slot: message.slot, code: message.code });
      return;
    }
    for (const s of message.slots) {
      if (s.slot >= this.slots.length) continue;
      const slot = this.slots[s.slot];
      if (s.changed || s.present !== this.#lastPresence[s.slot]) {
        this.#lastPresence[s.slot] = s.present;
        slot?.cardChanged(s.present);
        this.#emit('slotchange', { slot: s.slot, present: s.present });
      }
    }
  }

  /** Readers without an interrupt endpoint are asked with GetSlotStatus (CCID 1.1 §6.1.3). */
  #startPollingIfNeeded(): void {
    if (this.ccid.interruptIn || this.#pollTimer !== undefined) return;
    this.#pollTimer = setInterval(() => void this.#poll(), this.#pollIntervalMs);
  }

  #stopPolling(): void {
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  async #poll(): Promise<void> {
    for (const slot of this.slots) {
      let present: boolean;
      try {
        present = (await slot.status()).card !== 'absent';
      } catch (error) {
        if ((error as CcidError) instanceof DeviceDisconnectedError) this.#stopPolling();
        return;
      }
      if (present !== this.#lastPresence[slot.index]) {
        this.#lastPresence[slot.index] = present;
        slot.cardChanged(present);
        this.#emit('slotchange', { slot: slot.index, present });
      }
    }
  }
}

async function usbStep<T>(step: 'open' | 'selectConfiguration' | 'control', action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw usbError(step, error);
  }
}

/**
 * WebUSB hides class descriptors, so read each configuration descriptor raw (9 bytes for
 * wTotalLength, then all of it) and look for a CCID interface in it.
 */
async function readCcidInterface(device: USBDevice, wanted: number | undefined): Promise<CcidInterface> {
  const count = Math.max(1, device.configurations.length);
  for (let index = 0; index < count; index++) {
    const head = await getConfigurationDescriptor(device, index, 9);
    const total = (head[2] ?? 0) | ((head[3] ?? 0) << 8);
    const config = await getConfigurationDescriptor(device, index, Math.max(9, total));
    const found = findCcidInterfaces(config).filter((i) => wanted === undefined || i.interfaceNumber === wanted);
    if (found[0]) return found[0];
  }
  throw new UnsupportedReaderError(
    wanted === undefined ? 'the device has no CCID interface' : `the device has no CCID interface ${wanted}`,
  );
}

async function getConfigurationDescriptor(device: USBDevice, index: number, length: number): Promise<Uint8Array> {
  const result = await usbStep('control', () =>
    device.controlTransferIn(
      { requestType: 'standard', recipient: 'device', request: GET_DESCRIPTOR, value: (CONFIGURATION << 8) | index, index: 0 },
      length,
    ),
  );
  if (result.status !== 'ok' || !result.data) {
    throw new UnsupportedReaderError(`GET_DESCRIPTOR(configuration ${index}) answered ${result.status}`);
  }
  return new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength);
}

/** A list of little-endian u32 values from a class request; [] when the reader refuses it. */
async function readList(transport: CcidTransport, request: number, count: number): Promise<number[]> {
  if (count === 0) return [];
  let data: DataView | null;
  try {
    data = await transport.classRequestIn(request, count * 4);
  } catch (error) {
    if (error instanceof DeviceDisconnectedError) throw error;
    return []; // Many readers stall these requests although they announce them (corpus dumps).
  }
  if (!data) return [];
  const values: number[] = [];
  for (let at = 0; at + 4 <= data.byteLength; at += 4) values.push(data.getUint32(at, true));
  return values;
}
