/**
 * A virtual reader as the USB bus sees it: URBs in, completions out (USB 2.0 chapters 5, 8 and 9).
 * The standard requests on endpoint 0 are answered here from the reader's own descriptors; class
 * requests, bulk OUT and the IN endpoints go to the reader's firmware (src/sim CcidFirmware), which
 * was booted for this bus with `plugIntoBus`. Endpoint halts, pending IN transfers that the host can
 * cancel (CMD_UNLINK) and babble behave as on a real bus, so a real host stack can be judged by it.
 */
import {
  configurationDescriptor,
  deviceDescriptor,
  enqueueIn,
  stringDescriptor,
  takeInTransfer,
  type CcidFirmware,
  type Coalesce,
  type VirtualReader,
} from '../../src/sim';
import { UrbStatus } from './protocol';

/** A URB as the bus device takes it (from CMD_SUBMIT). */
export interface Urb {
  readonly seqnum: number;
  readonly direction: 'in' | 'out';
  /** Endpoint number without the direction bit; 0 = the control endpoint. */
  readonly endpoint: number;
  readonly length: number;
  readonly setup: Uint8Array;
  readonly data: Uint8Array;
}

/** How a URB ended: a negative errno or 0, and for IN what the device sent. */
export interface Completion {
  readonly status: number;
  readonly actualLength: number;
  readonly data: Uint8Array;
}

/** One finished URB, for counting transfers and bytes (usbmon's view, from the device side). */
export interface UrbRecord {
  readonly kind: 'control' | 'bulk' | 'interrupt';
  readonly direction: 'in' | 'out';
  readonly endpoint: number;
  readonly status: number | 'unlinked';
  /** Bytes moved: OUT data sent, IN data received (setup packets not counted). */
  readonly bytes: number;
  /** The first bytes of the payload (a CCID header tells the message), at most 16. */
  readonly head: Uint8Array;
  readonly atMs: number;
}

interface PendingIn {
  readonly urb: Urb;
  complete(completion: Completion): void;
}

const REQUEST = {
  getStatus: 0x00,
  clearFeature: 0x01,
  setFeature: 0x03,
  setAddress: 0x05,
  getDescriptor: 0x06,
  getConfiguration: 0x08,
  setConfiguration: 0x09,
  getInterface: 0x0a,
  setInterface: 0x0b,
} as const;
const DESCRIPTOR = { device: 1, configuration: 2, string: 3 } as const;
const ENDPOINT_HALT = 0;
const RECORD_LIMIT = 20_000;

const ok = (data: Uint8Array = new Uint8Array(0), actualLength = data.length): Completion => ({ status: UrbStatus.ok, actualLength, data });
const stalled: Completion = { status: UrbStatus.stall, actualLength: 0, data: new Uint8Array(0) };

export class BusDevice {
  /** Things the host did that a real device would not take (the suites assert it stays empty). */
  readonly violations: string[] = [];
  /** Every URB that ended, oldest first (bounded). */
  readonly records: UrbRecord[] = [];
  /** Every bulk OUT message, whole (PC_to_RDR_Secure comparisons read it); bounded. */
  readonly bulkOut: Uint8Array[] = [];
  readonly firmware: CcidFirmware;
  readonly #reader: VirtualReader;
  readonly #deviceDescriptor: Uint8Array;
  readonly #configDescriptor: Uint8Array;
  readonly #inQueues = new Map<number, Uint8Array[]>();
  readonly #pendingIn = new Map<number, PendingIn[]>();
  readonly #halted = new Set<string>();
  readonly #started = Date.now();
  #configuration = 0;

  /** Boots the reader's firmware on this bus (the reader's WebUSB device is unplugged meanwhile). */
  constructor(reader: VirtualReader) {
    this.#reader = reader;
    this.#deviceDescriptor = deviceDescriptor(reader.layout, reader.identity);
    this.#configDescriptor = configurationDescriptor(reader.layout);
    this.firmware = reader.plugIntoBus((endpoint, message, coalesce) => this.#queueIn(endpoint, message, coalesce));
  }

  /** Halts a bulk endpoint as the device's firmware would: transfers stall until CLEAR_FEATURE. */
  halt(direction: 'in' | 'out'): void {
    const endpoint = this.#bulk(direction);
    this.#halted.add(key(direction, endpoint));
    if (direction === 'in') for (const pending of this.#pendingIn.get(endpoint)?.splice(0) ?? []) this.#finish(pending.urb, stalled, pending.complete);
  }

  /** One URB; resolves when the device completes it (IN transfers wait for the firmware's data). */
  submit(urb: Urb): Promise<Completion> {
    return new Promise((resolve) => {
      const done = (completion: Completion): void => resolve(completion);
      if (urb.endpoint === 0) return this.#finish(urb, this.#control(urb), done);
      const spec = this.#reader.layout.endpoints.find((e) => e.number === urb.endpoint && e.direction === urb.direction);
      if (!spec || this.#configuration === 0) {
        this.violations.push(`${urb.direction.toUpperCase()} URB to endpoint ${urb.endpoint} ${spec ? 'before SET_CONFIGURATION' : 'that the device does not have'}`);
        return this.#finish(urb, stalled, done);
      }
      if (this.#halted.has(key(urb.direction, urb.endpoint))) return this.#finish(urb, stalled, done);
      if (urb.direction === 'out') {
        if (this.bulkOut.length < RECORD_LIMIT) this.bulkOut.push(urb.data.slice());
        this.firmware.bulkOut(urb.endpoint, urb.data);
        return this.#finish(urb, ok(new Uint8Array(0), urb.data.length), done);
      }
      const pending = this.#pendingIn.get(urb.endpoint) ?? [];
      pending.push({ urb, complete: done });
      this.#pendingIn.set(urb.endpoint, pending);
      this.#serveIn(urb.endpoint);
    });
  }

  /** Cancels a pending IN URB (CMD_UNLINK); false when it already completed. Its data stays queued. */
  cancel(seqnum: number): boolean {
    for (const [endpoint, pending] of this.#pendingIn) {
      const at = pending.findIndex((p) => p.urb.seqnum === seqnum);
      if (at < 0) continue;
      const [cancelled] = pending.splice(at, 1);
      if (cancelled) this.#record(cancelled.urb, 'unlinked', 0, new Uint8Array(0));
      this.#pendingIn.set(endpoint, pending);
      return true;
    }
    return false;
  }

  /** The IN endpoints' state, for a failing test to print: messages waiting, URBs pending. */
  describeIn(): string {
    const endpoints = new Set([...this.#inQueues.keys(), ...this.#pendingIn.keys()]);
    return [...endpoints]
      .map((ep) => `IN ${ep}: ${this.#inQueues.get(ep)?.length ?? 0} waiting, ${this.#pendingIn.get(ep)?.length ?? 0} URBs pending`)
      .join('; ');
  }

  /** The host went away (detach, or the connection dropped): pending URBs will never complete. */
  disconnect(): void {
    this.#pendingIn.clear();
  }

  /* ---- endpoint 0 ------------------------------------------------------------------------------- */

  /** USB 2.0 §9.3: bmRequestType, bRequest, wValue, wIndex, wLength (little-endian). */
  #control(urb: Urb): Completion {
    const setup = new DataView(urb.setup.buffer, urb.setup.byteOffset, 8);
    const requestType = setup.getUint8(0);
    const request = setup.getUint8(1);
    const value = setup.getUint16(2, true);
    const index = setup.getUint16(4, true);
    const length = setup.getUint16(6, true);
    const type = (requestType >> 5) & 0x03;
    const recipient = requestType & 0x1f;
    const dataIn = (requestType & 0x80) !== 0;
    if (type === 0) return this.#standard(request, recipient, value, index, length);
    if (type !== 1 || recipient !== 1 || (index & 0xff) !== this.#reader.layout.interfaceNumber) return stalled;
    // CCID 1.1 §5.3: ABORT, GET_CLOCK_FREQUENCIES, GET_DATA_RATES go to the interface.
    const parameters: USBControlTransferParameters = { requestType: 'class', recipient: 'interface', request, value, index };
    if (dataIn) {
      const answer = this.firmware.controlIn(parameters, length);
      return answer === 'stall' ? stalled : ok(answer.subarray(0, length));
    }
    return this.firmware.controlOut(parameters, urb.data) === 'stall' ? stalled : ok(new Uint8Array(0), urb.data.length);
  }

  #standard(request: number, recipient: number, value: number, index: number, length: number): Completion {
    switch (request) {
      case REQUEST.getDescriptor: {
        const descriptor = this.#descriptor(value >> 8, value & 0xff);
        return descriptor ? ok(descriptor.subarray(0, length)) : stalled;
      }
      case REQUEST.getStatus: {
        const halted = recipient === 2 && this.#halted.has(key(index & 0x80 ? 'in' : 'out', index & 0x0f));
        return ok(Uint8Array.of(halted ? 1 : 0, 0));
      }
      case REQUEST.clearFeature:
      case REQUEST.setFeature: {
        if (recipient !== 2 || value !== ENDPOINT_HALT) return ok();
        const endpoint = key(index & 0x80 ? 'in' : 'out', index & 0x0f);
        if (request === REQUEST.clearFeature) this.#halted.delete(endpoint);
        else this.#halted.add(endpoint);
        return ok();
      }
      case REQUEST.setAddress:
        return ok();
      case REQUEST.getConfiguration:
        return ok(Uint8Array.of(this.#configuration));
      case REQUEST.setConfiguration:
        if (value !== 0 && value !== this.#reader.layout.configurationValue) return stalled;
        this.#configuration = value;
        return ok();
      case REQUEST.getInterface:
        return ok(Uint8Array.of(0));
      case REQUEST.setInterface:
        return value === 0 && index === this.#reader.layout.interfaceNumber ? ok() : stalled;
      default:
        return stalled;
    }
  }

  #descriptor(type: number, index: number): Uint8Array | null {
    if (type === DESCRIPTOR.device) return this.#deviceDescriptor;
    if (type === DESCRIPTOR.configuration) return index === 0 ? this.#configDescriptor : null;
    if (type === DESCRIPTOR.string) return stringDescriptor(this.#reader.identity, index);
    return null; // a full-speed-only device refuses DEVICE_QUALIFIER (USB 2.0 §9.6.2)
  }

  /* ---- IN endpoints ----------------------------------------------------------------------------- */

  #queueIn(endpoint: number, message: Uint8Array, coalesce?: Coalesce): void {
    const queue = this.#inQueues.get(endpoint) ?? [];
    enqueueIn(queue, message, coalesce);
    this.#inQueues.set(endpoint, queue);
    this.#serveIn(endpoint);
  }

  #serveIn(endpoint: number): void {
    const queue = this.#inQueues.get(endpoint);
    const pending = this.#pendingIn.get(endpoint);
    const packetSize = this.#reader.layout.endpoints.find((e) => e.number === endpoint && e.direction === 'in')?.packetSize ?? 64;
    while (queue?.length && pending?.length) {
      const next = pending.shift();
      const message = queue.shift();
      if (!next || !message) break;
      const part = takeInTransfer(message, next.urb.length, packetSize);
      if (part.rest) queue.unshift(part.rest);
      if (part.babble) this.violations.push(`IN URB of ${next.urb.length} bytes on endpoint ${endpoint}: shorter than the message and not whole packets (babble)`);
      this.#finish(next.urb, { status: part.babble ? UrbStatus.overflow : UrbStatus.ok, actualLength: part.data.length, data: part.data }, next.complete);
    }
  }

  #finish(urb: Urb, completion: Completion, complete: (c: Completion) => void): void {
    const payload = urb.direction === 'out' ? urb.data : completion.data;
    this.#record(urb, completion.status, urb.endpoint === 0 ? completion.actualLength : payload.length, payload);
    complete(completion);
  }

  #record(urb: Urb, status: number | 'unlinked', bytes: number, payload: Uint8Array): void {
    if (this.records.length >= RECORD_LIMIT) return;
    const kind = urb.endpoint === 0 ? 'control' : this.#reader.layout.endpoints.find((e) => e.number === urb.endpoint)?.type ?? 'bulk';
    this.records.push({ kind, direction: urb.direction, endpoint: urb.endpoint, status, bytes, head: payload.slice(0, 16), atMs: Date.now() - this.#started });
  }

  #bulk(direction: 'in' | 'out'): number {
    const spec = this.#reader.layout.endpoints.find((e) => e.type === 'bulk' && e.direction === direction);
    if (!spec) throw new RangeError(`the reader has no bulk ${direction} endpoint`);
    return spec.number;
  }
}

function key(direction: 'in' | 'out', endpoint: number): string {
  return `${direction}${endpoint}`;
}
