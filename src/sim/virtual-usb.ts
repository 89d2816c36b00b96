/**
 * `createVirtualUsb`: a `navigator.usb` stand-in over virtual readers, for the page and the tests:
 * requestDevice (filters as in WebUSB), getDevices (the readers granted so far), and connect /
 * disconnect events carrying the device.
 */
import type { VirtualReader } from './virtual-reader';

export interface VirtualUsbControls {
  /** Adds a reader to the bus (fires 'connect'); it is not granted until requestDevice picks it. */
  attach(reader: VirtualReader): void;
  /** Pulls the cable; the platform's disconnect event `eventDelayMs` later (default: at once). */
  detach(reader: VirtualReader, eventDelayMs?: number): void;
  /** Plugs a reader back (a fresh USBDevice; fires 'connect'). */
  replug(reader: VirtualReader): USBDevice;
}

export type VirtualUsb = USB & VirtualUsbControls;

class VirtualUsbImpl extends EventTarget implements VirtualUsbControls {
  onconnect: ((ev: USBConnectionEvent) => unknown) | null = null;
  ondisconnect: ((ev: USBConnectionEvent) => unknown) | null = null;
  readonly #attached = new Set<VirtualReader>();
  readonly #granted = new Set<VirtualReader>();

  constructor(readers: readonly VirtualReader[]) {
    super();
    for (const r of readers) this.#attached.add(r);
  }

  async getDevices(): Promise<USBDevice[]> {
    return [...this.#granted].filter((r) => this.#attached.has(r)).map((r) => r.device);
  }

  /** Picks the first attached reader that matches a filter (the user "chooses" it). */
  async requestDevice(options?: USBDeviceRequestOptions): Promise<USBDevice> {
    const filters = options?.filters ?? [];
    const reader = [...this.#attached].find((r) => filters.length === 0 || filters.some((f) => matches(r, f)));
    if (!reader) throw new DOMException('No device selected.', 'NotFoundError');
    this.#granted.add(reader);
    return reader.device;
  }

  attach(reader: VirtualReader): void {
    this.#attached.add(reader);
    this.#fire('connect', reader.device);
  }

  /**
   * Pulls the cable. `eventDelayMs`: the platform's 'disconnect' comes that much after the device
   * closed and its transfers failed (Chromium over USB/IP did it in either order; tests/browser-usb).
   */
  detach(reader: VirtualReader, eventDelayMs = 0): void {
    if (!this.#attached.delete(reader)) return;
    const device = reader.device;
    reader.unplug();
    if (eventDelayMs > 0) setTimeout(() => this.#fire('disconnect', device), eventDelayMs);
    else this.#fire('disconnect', device);
  }

  replug(reader: VirtualReader): USBDevice {
    if (this.#attached.has(reader)) this.detach(reader);
    const device = reader.plug();
    this.attach(reader);
    return device;
  }

  #fire(type: 'connect' | 'disconnect', device: USBDevice): void {
    const event = Object.assign(new Event(type), { device }) as USBConnectionEvent;
    this.dispatchEvent(event);
    const handler = type === 'connect' ? this.onconnect : this.ondisconnect;
    handler?.call(this, event);
  }
}

function matches(reader: VirtualReader, f: USBDeviceFilter): boolean {
  const d = reader.device;
  const iface = d.configurations[0]?.interfaces[0]?.alternate;
  return (
    (f.vendorId === undefined || f.vendorId === d.vendorId) &&
    (f.productId === undefined || f.productId === d.productId) &&
    (f.classCode === undefined || f.classCode === iface?.interfaceClass) &&
    (f.subclassCode === undefined || f.subclassCode === iface?.interfaceSubclass) &&
    (f.protocolCode === undefined || f.protocolCode === iface?.interfaceProtocol) &&
    (f.serialNumber === undefined || f.serialNumber === d.serialNumber)
  );
}

export function createVirtualUsb(readers: readonly VirtualReader[] = []): VirtualUsb {
  // The DOM types declare USB's addEventListener with event-specific overloads that a class
  // extending EventTarget cannot restate; the object behaves as USB does.
  return new VirtualUsbImpl(readers) as unknown as VirtualUsb;
}
