/**
 * `createVirtualReader`: a CCID reader in software behind a real USBDevice surface, built from any
 * 54-byte CCID class descriptor, so every reader of the corpus can be emulated.
 */
import { fromHex } from '../ccid/bytes';
import { parseCcidClassDescriptor, type CcidClassDescriptor } from '../ccid/descriptors';
import { pinpadQuirk } from '../ccid/pinpad-quirks';
import { CcidFirmware, type AnswerPlan, type CardLink, type QueueIn } from './ccid-firmware';
import { cardLinkFor } from './card-links';
import type { DeviceIdentity, DeviceLayout, EndpointSpec } from './usb-descriptors';
import type { VirtualCard } from './virtual-card';
import { createVirtualPinpad, type VirtualPinpad, type VirtualPinpadOptions } from './virtual-pinpad';
import { VirtualUsbDevice, type PlatformPolicy } from './virtual-usb-device';
import { acceptedMessageLength, vendorEscapes } from './firmware-quirks';

export interface VirtualReaderOptions {
  /** The 54-byte CCID class descriptor, as bytes or hex. */
  readonly descriptor: Uint8Array | string;
  readonly vendorId?: number;
  readonly productId?: number;
  readonly productName?: string;
  readonly manufacturerName?: string;
  readonly serialNumber?: string;
  /** bcdDevice, e.g. 0x0100 for release 1.00. */
  readonly deviceVersion?: number;
  /** 0x0B (default) or 0xFF for the vendor-class readers of the corpus. */
  readonly interfaceClass?: number;
  readonly descriptorPlacement?: 'afterInterface' | 'afterEndpoints';
  /** Readers without an interrupt endpoint are polled by the host. Default: with one. */
  readonly interruptEndpoint?: boolean;
  readonly packetSize?: number;
  /** GET_DATA_RATES / GET_CLOCK_FREQUENCIES answers (stalled when empty). */
  readonly dataRates?: readonly number[];
  readonly clockFrequenciesKhz?: readonly number[];
  readonly policy?: PlatformPolicy;
  /** Overrides how the reader talks to its card (default: from the exchange level). */
  readonly link?: CardLink;
  /**
   * A keypad for PC_to_RDR_Secure (for the operations bPINSupport announces), behaving as the
   * reader's quirk row says (src/ccid/pinpad-quirks.ts). Without one, Secure is "not supported".
   */
  readonly pinpad?: boolean | VirtualPinpadOptions;
}

export interface VirtualReader {
  /** The USBDevice of the current plug-in; a new object after each plug(), as in WebUSB. */
  readonly device: VirtualUsbDevice;
  readonly descriptor: CcidClassDescriptor;
  readonly firmware: CcidFirmware;
  /** The USB descriptors' content (USB 2.0 §9.6) and the strings the reader names itself with. */
  readonly layout: DeviceLayout;
  readonly identity: DeviceIdentity;
  insert(card: VirtualCard, slot?: number): void;
  remove(slot?: number): void;
  /** Pulls the cable: pending transfers reject with NetworkError (as in Chromium on Linux), later calls with NotFoundError. */
  unplug(): void;
  /** Plugs it back in: a fresh USBDevice, a rebooted firmware, the cards still inserted. */
  plug(): VirtualUsbDevice;
  /**
   * Plugs it into another bus (a USB/IP export): a rebooted firmware whose IN messages go to
   * `queueIn`, the cards still inserted; the WebUSB device stays unplugged until plug().
   */
  plugIntoBus(queueIn: QueueIn): CcidFirmware;
  /** Shapes the next answer(s): delay, time extensions, hang, stale frames, garbage. */
  planNextAnswer(plan: Partial<AnswerPlan>): void;
  /** The next transfer on the bulk endpoint of that direction stalls. */
  stallNext(direction: USBDirection): void;
  /** Protocol violations seen by the USB layer and the firmware. */
  violations(): string[];
  /** The reader's keypad and display; null when the reader has none. */
  readonly pinpad: VirtualPinpad | null;
}

const BULK_OUT = 1;
const BULK_IN = 2;
const INTERRUPT_IN = 3;

export function createVirtualReader(options: VirtualReaderOptions): VirtualReader {
  const raw = typeof options.descriptor === 'string' ? fromHex(options.descriptor) : options.descriptor;
  const descriptor = parseCcidClassDescriptor(raw);
  const packetSize = options.packetSize ?? 64;
  const endpoints: EndpointSpec[] = [
    { number: BULK_OUT, direction: 'out', type: 'bulk', packetSize },
    { number: BULK_IN, direction: 'in', type: 'bulk', packetSize },
  ];
  const withInterrupt = options.interruptEndpoint ?? true;
  if (withInterrupt) endpoints.push({ number: INTERRUPT_IN, direction: 'in', type: 'interrupt', packetSize: 8 });
  const layout = {
    vendorId: options.vendorId ?? 0x1209,
    productId: options.productId ?? 0x0001,
    deviceVersion: options.deviceVersion ?? 0x0100,
    interfaceClass: options.interfaceClass ?? 0x0b,
    interfaceNumber: 0,
    configurationValue: 1,
    ccidDescriptor: raw.slice(0, raw[0] ?? raw.length),
    ccidDescriptorPlacement: options.descriptorPlacement ?? 'afterInterface',
    endpoints,
  };
  const identity: DeviceIdentity = {
    manufacturerName: options.manufacturerName ?? 'eCard PIN',
    productName: options.productName ?? 'Cititor virtual',
    serialNumber: options.serialNumber ?? 'VIRTUAL-0001',
  };
  const cards = new Map<number, VirtualCard>();
  // The keypad is hardware: it survives re-plugging, scripts and listeners included.
  const pinpad = options.pinpad
    ? createVirtualPinpad(pinpadQuirk(layout.vendorId, layout.productId), options.pinpad === true ? {} : options.pinpad)
    : null;

  const boot = (bus?: QueueIn): { device: VirtualUsbDevice; firmware: CcidFirmware } => {
    const firmware = new CcidFirmware({
      descriptor,
      clockFrequenciesKhz: options.clockFrequenciesKhz ?? [],
      dataRates: options.dataRates ?? [],
      endpoints: { bulkIn: BULK_IN, interruptIn: withInterrupt ? INTERRUPT_IN : null },
      link: options.link ?? cardLinkFor(descriptor),
      pinpad,
      escapes: vendorEscapes(layout.vendorId, layout.productId),
      maxMessageLength: acceptedMessageLength(layout.vendorId, descriptor.dwMaxCCIDMessageLength),
    });
    const device = new VirtualUsbDevice(layout, identity, firmware, options.policy);
    if (bus) device.unplug();
    firmware.attach(bus ?? ((endpoint, message, coalesce) => device.queueIn(endpoint, message, coalesce)));
    for (const [slot, card] of cards) firmware.insert(slot, card);
    return { device, firmware };
  };

  let current = boot();
  return {
    get device() {
      return current.device;
    },
    get firmware() {
      return current.firmware;
    },
    descriptor,
    layout,
    identity,
    insert(card, slot = 0) {
      cards.set(slot, card);
      current.firmware.insert(slot, card);
    },
    remove(slot = 0) {
      cards.delete(slot);
      current.firmware.remove(slot);
    },
    unplug() {
      current.device.unplug();
    },
    plug() {
      current.device.unplug();
      current = boot();
      return current.device;
    },
    plugIntoBus(queueIn) {
      current.device.unplug();
      current = boot(queueIn);
      return current.firmware;
    },
    planNextAnswer(plan) {
      current.firmware.planNextAnswer(plan);
    },
    stallNext(direction) {
      current.device.halt(direction, direction === 'in' ? BULK_IN : BULK_OUT);
    },
    violations() {
      return [...current.device.violations, ...current.firmware.violations];
    },
    pinpad,
  };
}
