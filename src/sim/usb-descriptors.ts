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

/** USB 2.0 §9.6.1: the 18-byte device descriptor. */
export function deviceDescriptor(layout: DeviceLayout): Uint8Array {
  return Uint8Array.of(
    18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 64,
    layout.vendorId & 0xff, layout.vendorId >> 8,
    layout.productId & 0xff, layout.productId >> 8,
    layout.deviceVersion & 0xff, layout.deviceVersion >> 8,
    1, 2, 0, 1,
  );
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
