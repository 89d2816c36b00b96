/**
 * A W3C USBDevice in software. It behaves as Chrome's WebUSB does where the driver can tell the
 * difference: open/claim rules and their DOMExceptions, endpoint halts, 'babble', pending transfers
 * rejected on close and unplug. What happens on the wire is left to a UsbFunction (the firmware).
 */
import {
  configurationDescriptor,
  deviceDescriptor,
  enqueueIn,
  stringDescriptor,
  takeInTransfer,
  webUsbConfiguration,
  type Coalesce,
  type DeviceIdentity,
  type DeviceLayout,
} from './usb-descriptors';

/** The device's firmware, as the USB device layer sees it. */
export interface UsbFunction {
  /** A control IN request that the device layer does not answer itself; 'stall' to refuse. */
  controlIn(setup: USBControlTransferParameters, length: number): Uint8Array | 'stall';
  controlOut(setup: USBControlTransferParameters, data: Uint8Array): 'ok' | 'stall';
  /** One bulk OUT transfer, as sent. */
  bulkOut(endpoint: number, data: Uint8Array): void;
}

export type { DeviceIdentity } from './usb-descriptors';

/** How the platform treats the device (to rehearse the errors the app must explain). */
export interface PlatformPolicy {
  /** Chrome outside an Isolated Web App: claiming class 0x0B fails with SecurityError. */
  readonly protectedClass?: boolean;
  /** The OS refuses access (no WinUSB driver, no udev rule): open() fails with SecurityError. */
  readonly accessDenied?: boolean;
  /** Another program holds the interface (pcscd): claimInterface() fails with NetworkError. */
  readonly busy?: boolean;
}

export interface UsbTransferCounts {
  bulkOut: number;
  bulkIn: number;
  interruptIn: number;
  controlIn: number;
  controlOut: number;
}

interface InWaiter {
  readonly length: number;
  resolve(result: USBInTransferResult): void;
  reject(error: DOMException): void;
}

const SMART_CARD_CLASS = 0x0b;

export class VirtualUsbDevice implements USBDevice {
  readonly usbVersionMajor = 2;
  readonly usbVersionMinor = 0;
  readonly usbVersionSubminor = 0;
  readonly deviceClass = 0;
  readonly deviceSubclass = 0;
  readonly deviceProtocol = 0;
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceVersionMajor: number;
  readonly deviceVersionMinor: number;
  readonly deviceVersionSubminor: number;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
  readonly configurations: USBConfiguration[];

  /** Transfers that completed, by kind. */
  readonly transfers: UsbTransferCounts = { bulkOut: 0, bulkIn: 0, interruptIn: 0, controlIn: 0, controlOut: 0 };
  /** Things the host did that a real device or Chrome would not like (tests assert it stays empty). */
  readonly violations: string[] = [];

  readonly #layout: DeviceLayout;
  readonly #identity: DeviceIdentity;
  readonly #function: UsbFunction;
  readonly #policy: PlatformPolicy;
  readonly #deviceDescriptor: Uint8Array;
  readonly #configDescriptor: Uint8Array;
  readonly #claimed = new Set<number>();
  readonly #halted = new Set<string>();
  readonly #inQueues = new Map<number, Uint8Array[]>();
  readonly #inWaiters = new Map<number, InWaiter[]>();
  #opened = false;
  #configured = false;
  #unplugged = false;

  constructor(layout: DeviceLayout, identity: DeviceIdentity, fn: UsbFunction, policy: PlatformPolicy = {}) {
    this.#layout = layout;
    this.#identity = identity;
    this.#function = fn;
    this.#policy = policy;
    this.vendorId = layout.vendorId;
    this.productId = layout.productId;
    this.deviceVersionMajor = layout.deviceVersion >> 8;
    this.deviceVersionMinor = (layout.deviceVersion >> 4) & 0x0f;
    this.deviceVersionSubminor = layout.deviceVersion & 0x0f;
    this.manufacturerName = identity.manufacturerName;
    this.productName = identity.productName;
    this.serialNumber = identity.serialNumber;
    this.#deviceDescriptor = deviceDescriptor(layout, identity);
    this.#configDescriptor = configurationDescriptor(layout);
    this.configurations = [webUsbConfiguration(layout, (n) => this.#claimed.has(n))];
  }

  get opened(): boolean {
    return this.#opened;
  }

  get configuration(): USBConfiguration | null {
    return this.#configured ? (this.configurations[0] ?? null) : null;
  }

  get unplugged(): boolean {
    return this.#unplugged;
  }

  /* ---- what the firmware calls ----------------------------------------------------------------- */

  /**
   * Queues one message on an IN endpoint; it completes the oldest pending transferIn, if any. With
   * `coalesce`, a message still waiting there is replaced by coalesce(waiting, message).
   */
  queueIn(endpoint: number, message: Uint8Array, coalesce?: Coalesce): void {
    if (this.#unplugged) return;
    const queue = this.#inQueues.get(endpoint) ?? [];
    enqueueIn(queue, message, coalesce);
    this.#inQueues.set(endpoint, queue);
    this.#serveIn(endpoint);
  }

  /** The next transfer on this endpoint stalls, until the host clears the halt. */
  halt(direction: USBDirection, endpoint: number): void {
    this.#halted.add(`${direction}${endpoint}`);
  }

  /**
   * The cable is pulled: the device is closed and every later call rejects (NotFoundError). A
   * transfer the unplug cut rejects as Chromium on Linux ends it: a transfer error (NetworkError),
   * not "disconnected" (seen over USB/IP in tests/browser-usb).
   */
  unplug(): void {
    if (this.#unplugged) return;
    this.#unplugged = true;
    this.#opened = false;
    this.#claimed.clear();
    this.#rejectWaiters(new DOMException('A transfer error has occurred.', 'NetworkError'));
  }

  /* ---- USBDevice --------------------------------------------------------------------------------- */

  async open(): Promise<void> {
    this.#present();
    if (this.#policy.accessDenied) throw new DOMException('Access denied.', 'SecurityError');
    this.#opened = true;
  }

  async close(): Promise<void> {
    this.#present();
    this.#opened = false;
    this.#claimed.clear();
    this.#rejectWaiters(new DOMException('The transfer was cancelled.', 'AbortError'));
  }

  async forget(): Promise<void> {
    await this.close().catch(() => undefined);
  }

  async selectConfiguration(configurationValue: number): Promise<void> {
    this.#openedOrThrow();
    if (configurationValue !== this.#layout.configurationValue) {
      throw new DOMException('The configuration value provided is not supported by the device.', 'NotFoundError');
    }
    this.#configured = true;
  }

  async claimInterface(interfaceNumber: number): Promise<void> {
    this.#openedOrThrow();
    if (!this.#configured) throw new DOMException('The device must have a configuration selected.', 'InvalidStateError');
    if (interfaceNumber !== this.#layout.interfaceNumber) {
      throw new DOMException('The interface number provided is not supported by the device in its current configuration.', 'NotFoundError');
    }
    if (this.#policy.protectedClass && this.#layout.interfaceClass === SMART_CARD_CLASS) {
      throw new DOMException('The requested interface implements a protected class.', 'SecurityError');
    }
    if (this.#policy.busy) throw new DOMException('Unable to claim interface.', 'NetworkError');
    this.#claimed.add(interfaceNumber);
  }

  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#openedOrThrow();
    this.#claimed.delete(interfaceNumber);
  }

  async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
    this.#claimedOrThrow(interfaceNumber);
    if (alternateSetting !== 0) throw new DOMException('The alternate setting provided is not supported.', 'NotFoundError');
  }

  async controlTransferIn(setup: USBControlTransferParameters, length: number): Promise<USBInTransferResult> {
    this.#openedOrThrow();
    this.#checkRecipient(setup);
    this.transfers.controlIn++;
    const answer = this.#standardIn(setup) ?? this.#function.controlIn(setup, length);
    if (answer === 'stall') return { status: 'stall' };
    return { status: 'ok', data: view(answer.subarray(0, length)) };
  }

  async controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource): Promise<USBOutTransferResult> {
    this.#openedOrThrow();
    this.#checkRecipient(setup);
    this.transfers.controlOut++;
    const bytes = data ? toBytes(data) : new Uint8Array(0);
    const status = this.#function.controlOut(setup, bytes);
    return { status, bytesWritten: status === 'ok' ? bytes.length : 0 };
  }

  async clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
    this.#endpointOrThrow(direction, endpointNumber);
    this.#halted.delete(`${direction}${endpointNumber}`);
  }

  async transferOut(endpointNumber: number, data: BufferSource): Promise<USBOutTransferResult> {
    this.#endpointOrThrow('out', endpointNumber);
    if (this.#halted.has(`out${endpointNumber}`)) return { status: 'stall', bytesWritten: 0 };
    const bytes = toBytes(data).slice();
    this.transfers.bulkOut++;
    this.#function.bulkOut(endpointNumber, bytes);
    return { status: 'ok', bytesWritten: bytes.length };
  }

  transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
    try {
      this.#endpointOrThrow('in', endpointNumber);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#halted.has(`in${endpointNumber}`)) return Promise.resolve({ status: 'stall' });
    return new Promise((resolve, reject) => {
      const waiters = this.#inWaiters.get(endpointNumber) ?? [];
      waiters.push({ length, resolve, reject });
      this.#inWaiters.set(endpointNumber, waiters);
      this.#serveIn(endpointNumber);
    });
  }

  async isochronousTransferIn(): Promise<USBIsochronousInTransferResult> {
    throw new DOMException('The virtual reader has no isochronous endpoints.', 'NotSupportedError');
  }

  async isochronousTransferOut(): Promise<USBIsochronousOutTransferResult> {
    throw new DOMException('The virtual reader has no isochronous endpoints.', 'NotSupportedError');
  }

  async reset(): Promise<void> {
    this.#openedOrThrow();
    this.#rejectWaiters(new DOMException('The transfer was cancelled.', 'AbortError'));
    this.#inQueues.clear();
  }

  /* ---- internals ------------------------------------------------------------------------------ */

  /** Completes waiting transferIn calls from the queue, a packet-exact message at a time (takeInTransfer). */
  #serveIn(endpoint: number): void {
    const queue = this.#inQueues.get(endpoint);
    const waiters = this.#inWaiters.get(endpoint);
    const spec = this.#layout.endpoints.find((e) => e.number === endpoint && e.direction === 'in');
    while (queue?.length && waiters?.length) {
      const waiter = waiters.shift();
      const message = queue.shift();
      if (!waiter || !message) break;
      if (spec?.type === 'interrupt') this.transfers.interruptIn++;
      else this.transfers.bulkIn++;
      const part = takeInTransfer(message, waiter.length, spec?.packetSize ?? 64);
      if (part.rest) queue.unshift(part.rest);
      if (part.babble) {
        this.violations.push(`transferIn(${endpoint}, ${waiter.length}): not a multiple of ${spec?.packetSize ?? 64} and too short: babble`);
      }
      waiter.resolve({ status: part.babble ? 'babble' : 'ok', data: view(part.data) });
    }
  }

  /** GET_DESCRIPTOR for the device and configuration descriptors (USB 2.0 §9.4.3). */
  #standardIn(setup: USBControlTransferParameters): Uint8Array | null {
    if (setup.requestType !== 'standard' || setup.request !== 0x06) return null;
    const type = setup.value >> 8;
    const index = setup.value & 0xff;
    if (type === 0x01) return this.#deviceDescriptor;
    if (type === 0x02 && index === 0) return this.#configDescriptor;
    if (type === 0x03) return stringDescriptor(this.#identity, index) ?? new Uint8Array(0);
    return new Uint8Array(0);
  }

  #checkRecipient(setup: USBControlTransferParameters): void {
    // Chrome: a request to an interface needs that interface claimed.
    if (setup.recipient === 'interface' && !this.#claimed.has(setup.index & 0xff)) {
      throw new DOMException('The specified interface has not been claimed.', 'InvalidStateError');
    }
  }

  #rejectWaiters(error: DOMException): void {
    for (const waiters of this.#inWaiters.values()) for (const w of waiters.splice(0)) w.reject(error);
  }

  #present(): void {
    if (this.#unplugged) throw new DOMException('The device was disconnected.', 'NotFoundError');
  }

  #openedOrThrow(): void {
    this.#present();
    if (!this.#opened) throw new DOMException('The device must be opened first.', 'InvalidStateError');
  }

  #claimedOrThrow(interfaceNumber: number): void {
    this.#openedOrThrow();
    if (!this.#claimed.has(interfaceNumber)) {
      throw new DOMException('The interface has not been claimed.', 'InvalidStateError');
    }
  }

  #endpointOrThrow(direction: USBDirection, endpoint: number): void {
    this.#openedOrThrow();
    const known = this.#layout.endpoints.some((e) => e.number === endpoint && e.direction === direction);
    if (!known || !this.#claimed.has(this.#layout.interfaceNumber)) {
      this.violations.push(`${direction} endpoint ${endpoint} used without a claimed interface that has it`);
      throw new DOMException('The specified endpoint is not part of a claimed and selected alternate interface.', 'NotFoundError');
    }
  }
}

function view(bytes: Uint8Array): DataView {
  const copy = bytes.slice();
  return new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
}

function toBytes(data: BufferSource): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
