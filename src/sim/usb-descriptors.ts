/**
 * The standard USB descriptors of a virtual reader (USB 2.0 §9.6), built around any 54-byte CCID
 * class descriptor, and the WebUSB objects (USBConfiguration, ...) that describe the same thing.
 */
import { concatBytes } from '../ccid/bytes';

export interface EndpointSpec {
  readonly number: number;
  readonly direction: USBDirection;
  readonly type: 'bulk' | 'interrupt';
  readonly packetSize: number;
}

export interface DeviceLayout {
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceVersion: number;
  readonly interfaceClass: number;
  readonly interfaceNumber: number;
  readonly configurationValue: number;
  readonly ccidDescriptor: Uint8Array;
  /** Where the CCID descriptor stands: after the interface (the spec) or after the last endpoint. */
  readonly ccidDescriptorPlacement: 'afterInterface' | 'afterEndpoints';
  readonly endpoints: readonly EndpointSpec[];
}

/** The strings a device names itself with; null = no string descriptor for it. */
export interface DeviceIdentity {
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
}

/** String descriptor indexes of the identity strings that exist; 0 = none (USB 2.0 §9.6.1). */
function stringIndexes(identity: DeviceIdentity): readonly [manufacturer: number, product: number, serial: number] {
  let next = 1;
  const index = (text: string | null): number => (text === null ? 0 : next++);
  return [index(identity.manufacturerName), index(identity.productName), index(identity.serialNumber)];
}

/** USB 2.0 §9.6.1: the 18-byte device descriptor. */
export function deviceDescriptor(layout: DeviceLayout, identity: DeviceIdentity): Uint8Array {
  return Uint8Array.of(
    18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 64,
    layout.vendorId & 0xff, layout.vendorId >> 8,
    layout.productId & 0xff, layout.productId >> 8,
    layout.deviceVersion & 0xff, layout.deviceVersion >> 8,
    ...stringIndexes(identity), 1,
  );
}

/** The only language the strings are in: US English (USB LANGIDs 1.0). */
const LANGID_EN_US = 0x0409;

/**
 * USB 2.0 §9.6.7: string descriptor 0 lists the supported LANGIDs; the others hold UTF-16LE text.
 * Null for an index the device has no string at (a real device stalls the request).
 */
export function stringDescriptor(identity: DeviceIdentity, index: number): Uint8Array | null {
  if (index === 0) return Uint8Array.of(4, 0x03, LANGID_EN_US & 0xff, LANGID_EN_US >> 8);
  const texts = [identity.manufacturerName, identity.productName, identity.serialNumber].filter((t) => t !== null);
  const text = texts[index - 1];
  if (text === undefined) return null;
  const units = Array.from(text.slice(0, 126), (c) => c.charCodeAt(0));
  const out = new Uint8Array(2 + units.length * 2);
  out[0] = out.length;
  out[1] = 0x03;
  units.forEach((unit, i) => {
    out[2 + i * 2] = unit & 0xff;
    out[3 + i * 2] = unit >> 8;
  });
  return out;
}

/** Merges a message with one still waiting on the same endpoint, or null to queue both. */
export type Coalesce = (waiting: Uint8Array, message: Uint8Array) => Uint8Array | null;

/** Puts a message on an IN endpoint's queue: merged into the last one waiting when `coalesce` says so. */
export function enqueueIn(queue: Uint8Array[], message: Uint8Array, coalesce?: Coalesce): void {
  const waiting = queue[queue.length - 1];
  const merged = coalesce && waiting ? coalesce(waiting, message) : null;
  if (merged) queue[queue.length - 1] = merged;
  else queue.push(message);
}

/** What one IN transfer asking for `length` bytes takes of the message waiting on its endpoint. */
export interface InTransferPart {
  readonly data: Uint8Array;
  /** What the next transfer gets, when the message did not fit. */
  readonly rest: Uint8Array | null;
  /** The last packet overflowed the buffer (USB 2.0 §8.5.1 "babble"); `data` is what fitted. */
  readonly babble: boolean;
}

/**
 * A message longer than the transfer fills it when the transfer is a whole number of packets (the
 * rest comes with the next one, USB 2.0 §5.8.3), and is babble otherwise; a message that fits
 * completes the transfer (short packet or zero-length packet).
 */
export function takeInTransfer(message: Uint8Array, length: number, packetSize: number): InTransferPart {
  if (message.length <= length) return { data: message, rest: null, babble: false };
  const data = message.subarray(0, length);
  if (length % packetSize === 0) return { data, rest: message.subarray(length), babble: false };
  return { data, rest: null, babble: true };
}

/** USB 2.0 §9.6.3: configuration, interface, CCID class and endpoint descriptors, in order. */
export function configurationDescriptor(layout: DeviceLayout): Uint8Array {
  const iface = Uint8Array.of(9, 0x04, layout.interfaceNumber, 0, layout.endpoints.length, layout.interfaceClass, 0, 0, 0);
  const endpoints = layout.endpoints.map((e) =>
    Uint8Array.of(
      7,
      0x05,
      e.number | (e.direction === 'in' ? 0x80 : 0),
      e.type === 'bulk' ? 0x02 : 0x03,
      e.packetSize & 0xff,
      e.packetSize >> 8,
      e.type === 'interrupt' ? 0x10 : 0x00,
    ),
  );
  const body =
    layout.ccidDescriptorPlacement === 'afterInterface'
      ? [iface, layout.ccidDescriptor, ...endpoints]
      : [iface, ...endpoints, layout.ccidDescriptor];
  const total = 9 + body.reduce((n, b) => n + b.length, 0);
  const header = Uint8Array.of(9, 0x02, total & 0xff, total >> 8, 1, layout.configurationValue, 0, 0x80, 50);
  return concatBytes([header, ...body]);
}

/** The same layout as WebUSB shows it; `claimed` is read from the device at call time. */
export function webUsbConfiguration(layout: DeviceLayout, isClaimed: (interfaceNumber: number) => boolean): USBConfiguration {
  const endpoints: USBEndpoint[] = layout.endpoints.map((e) => ({
    endpointNumber: e.number,
    direction: e.direction,
    type: e.type,
    packetSize: e.packetSize,
  }));
  const alternate: USBAlternateInterface = {
    alternateSetting: 0,
    interfaceClass: layout.interfaceClass,
    interfaceSubclass: 0,
    interfaceProtocol: 0,
    interfaceName: null,
    endpoints,
  };
  const usbInterface: USBInterface = {
    interfaceNumber: layout.interfaceNumber,
    alternate,
    alternates: [alternate],
    get claimed() {
      return isClaimed(layout.interfaceNumber);
    },
  };
  return { configurationValue: layout.configurationValue, configurationName: null, interfaces: [usbInterface] };
}
