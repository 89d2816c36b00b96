/**
 * USB descriptors a CCID driver needs. WebUSB hides class-specific descriptors, so the driver reads
 * the raw configuration descriptor (GET_DESCRIPTOR) and walks it here.
 */
import { hexByte, readLayout, requireLength, type Layout } from './bytes';
import { MalformedDataError } from './errors';

/** USB CCID 1.1 §5.1, Table 5.1-1: the 54-byte Smart Card Device Class descriptor. */
const CCID_CLASS_DESCRIPTOR = {
  bLength: [0, 'u8'],
  bDescriptorType: [1, 'u8'],
  bcdCCID: [2, 'u16'],
  bMaxSlotIndex: [4, 'u8'],
  bVoltageSupport: [5, 'u8'],
  dwProtocols: [6, 'u32'],
  dwDefaultClock: [10, 'u32'],
  dwMaximumClock: [14, 'u32'],
  bNumClockSupported: [18, 'u8'],
  dwDataRate: [19, 'u32'],
  dwMaxDataRate: [23, 'u32'],
  bNumDataRatesSupported: [27, 'u8'],
  dwMaxIFSD: [28, 'u32'],
  dwSynchProtocols: [32, 'u32'],
  dwMechanical: [36, 'u32'],
  dwFeatures: [40, 'u32'],
  dwMaxCCIDMessageLength: [44, 'u32'],
  bClassGetResponse: [48, 'u8'],
  bClassEnvelope: [49, 'u8'],
  wLcdLayout: [50, 'u16'],
  bPINSupport: [52, 'u8'],
  bMaxCCIDBusySlots: [53, 'u8'],
} as const satisfies Layout;

export const CCID_CLASS_DESCRIPTOR_LENGTH = 0x36;
/** bDescriptorType of the CCID descriptor: 0x21 per the spec, 0xFF on some pre-standard readers. */
const CCID_DESCRIPTOR_TYPES = [0x21, 0xff];

export type ExchangeLevel = 'character' | 'tpdu' | 'shortApdu' | 'extendedApdu';

/** dwFeatures bits, USB CCID 1.1 §5.1 Table 5.1-1. */
export const Feature = {
  autoParametersFromAtr: 0x02,
  autoActivation: 0x04,
  autoVoltage: 0x08,
  autoClock: 0x10,
  autoBaudRate: 0x20,
  autoParameterNegotiation: 0x40,
  autoPps: 0x80,
  clockStop: 0x100,
  nadOtherThanZero: 0x200,
  autoIfsd: 0x400,
  tpdu: 0x10000,
  shortApdu: 0x20000,
  extendedApdu: 0x40000,
  usbWakeUp: 0x100000,
} as const;

export type Voltage = '5.0V' | '3.0V' | '1.8V';

export interface CcidClassDescriptor {
  /* The 22 fields exactly as sent (clocks in kHz, data rates in bps). */
  readonly bLength: number;
  readonly bDescriptorType: number;
  readonly bcdCCID: number;
  readonly bMaxSlotIndex: number;
  readonly bVoltageSupport: number;
  readonly dwProtocols: number;
  readonly dwDefaultClock: number;
  readonly dwMaximumClock: number;
  readonly bNumClockSupported: number;
  readonly dwDataRate: number;
  readonly dwMaxDataRate: number;
  readonly bNumDataRatesSupported: number;
  readonly dwMaxIFSD: number;
  readonly dwSynchProtocols: number;
  readonly dwMechanical: number;
  readonly dwFeatures: number;
  readonly dwMaxCCIDMessageLength: number;
  readonly bClassGetResponse: number;
  readonly bClassEnvelope: number;
  readonly wLcdLayout: number;
  readonly bPINSupport: number;
  readonly bMaxCCIDBusySlots: number;
  /* What callers need, derived from the fields. */
  readonly exchangeLevel: ExchangeLevel;
  readonly slotCount: number;
  readonly voltages: readonly Voltage[];
  readonly protocols: readonly number[];
  readonly pinVerify: boolean;
  readonly pinModify: boolean;
  /** null when the reader has no display (wLcdLayout 0). */
  readonly lcd: { readonly lines: number; readonly charactersPerLine: number } | null;
  readonly automatic: {
    readonly parametersFromAtr: boolean;
    readonly activation: boolean;
    readonly voltage: boolean;
    readonly clock: boolean;
    readonly baudRate: boolean;
    readonly parameterNegotiation: boolean;
    readonly pps: boolean;
    readonly ifsd: boolean;
  };
  /** Commands the reader may process at once; 0 in a few corpus readers, read as 1. */
  readonly busySlots: number;
}

/** dwFeatures bits 16..18 (CCID 1.1 §5.1); none set means character level. */
function exchangeLevelOf(features: number): ExchangeLevel {
  if (features & Feature.extendedApdu) return 'extendedApdu';
  if (features & Feature.shortApdu) return 'shortApdu';
  if (features & Feature.tpdu) return 'tpdu';
  return 'character';
}

const VOLTAGE_BITS: readonly [number, Voltage][] = [
  [0x01, '5.0V'],
  [0x02, '3.0V'],
  [0x04, '1.8V'],
];

/** Parses the 54-byte CCID class descriptor (USB CCID 1.1 §5.1). */
export function parseCcidClassDescriptor(bytes: Uint8Array): CcidClassDescriptor {
  const what = 'CCID class descriptor';
  requireLength(what, bytes, 0, 2);
  if (bytes[0] !== CCID_CLASS_DESCRIPTOR_LENGTH) {
    throw new MalformedDataError(what, 0, 'bLength 0x36', `0x${hexByte(bytes[0] ?? 0)}`);
  }
  if (!CCID_DESCRIPTOR_TYPES.includes(bytes[1] ?? 0)) {
    throw new MalformedDataError(what, 1, 'bDescriptorType 0x21 or 0xFF', `0x${hexByte(bytes[1] ?? 0)}`);
  }
  requireLength(what, bytes, 0, CCID_CLASS_DESCRIPTOR_LENGTH);
  const f = readLayout(CCID_CLASS_DESCRIPTOR, bytes);
  const features = f.dwFeatures;
  const on = (bit: number): boolean => (features & bit) !== 0;
  return {
    ...f,
    exchangeLevel: exchangeLevelOf(features),
    slotCount: f.bMaxSlotIndex + 1,
    voltages: VOLTAGE_BITS.filter(([bit]) => f.bVoltageSupport & bit).map(([, v]) => v),
    protocols: [0, 1].filter((t) => f.dwProtocols & (1 << t)),
    pinVerify: (f.bPINSupport & 0x01) !== 0,
    pinModify: (f.bPINSupport & 0x02) !== 0,
    lcd: f.wLcdLayout === 0 ? null : { lines: f.wLcdLayout >> 8, charactersPerLine: f.wLcdLayout & 0xff },
    automatic: {
      parametersFromAtr: on(Feature.autoParametersFromAtr),
      activation: on(Feature.autoActivation),
      voltage: on(Feature.autoVoltage),
      clock: on(Feature.autoClock),
      baudRate: on(Feature.autoBaudRate),
      parameterNegotiation: on(Feature.autoParameterNegotiation),
      pps: on(Feature.autoPps),
      ifsd: on(Feature.autoIfsd),
    },
    busySlots: Math.max(1, f.bMaxCCIDBusySlots),
  };
}

export interface EndpointInfo {
  readonly address: number;
  /** Endpoint number without the direction bit, as WebUSB's transferIn/transferOut take it. */
  readonly number: number;
  readonly maxPacketSize: number;
}

export interface CcidInterface {
  readonly configurationValue: number;
  readonly interfaceNumber: number;
  readonly alternateSetting: number;
  readonly interfaceClass: number;
  readonly interfaceSubClass: number;
  readonly interfaceProtocol: number;
  readonly descriptor: CcidClassDescriptor;
  /** Offset of the CCID descriptor in the configuration descriptor (diagnostics). */
  readonly descriptorOffset: number;
  readonly bulkIn: EndpointInfo | null;
  readonly bulkOut: EndpointInfo | null;
  readonly interruptIn: EndpointInfo | null;
}

const USB_DT_CONFIG = 0x02;
const USB_DT_INTERFACE = 0x04;
const USB_DT_ENDPOINT = 0x05;
const USB_CLASS_SMART_CARD = 0x0b;
const USB_CLASS_VENDOR = 0xff;

interface InterfaceBeingRead {
  number: number;
  alternate: number;
  cls: number;
  subClass: number;
  protocol: number;
  classDescriptor: { bytes: Uint8Array; offset: number } | null;
  bulkIn: EndpointInfo | null;
  bulkOut: EndpointInfo | null;
  interruptIn: EndpointInfo | null;
}

/**
 * Walks a raw configuration descriptor (USB 2.0 §9.6.3) and returns its CCID interfaces: every
 * interface of class 0x0B, and vendor-class (0xFF) ones only when they carry a 54-byte CCID
 * descriptor. The CCID descriptor may follow the interface descriptor (CCID 1.1 §5.1) or, on some
 * readers, the last endpoint; both are accepted.
 */
export function findCcidInterfaces(config: Uint8Array): CcidInterface[] {
  const what = 'configuration descriptor';
  requireLength(what, config, 0, 9);
  if (config[1] !== USB_DT_CONFIG) {
    throw new MalformedDataError(what, 1, 'bDescriptorType 0x02', `0x${hexByte(config[1] ?? 0)}`);
  }
  const totalLength = (config[2] ?? 0) | ((config[3] ?? 0) << 8);
  if (totalLength < 9 || totalLength > config.length) {
    throw new MalformedDataError(what, 2, `wTotalLength between 9 and ${config.length}`, String(totalLength));
  }
  const configurationValue = config[5] ?? 0;
  const found: CcidInterface[] = [];
  let current: InterfaceBeingRead | null = null;
  const finish = (): void => {
    if (current) {
      const result = toCcidInterface(current, configurationValue);
      if (result) found.push(result);
    }
  };
  let at = 0;
  while (at < totalLength) {
    const length = config[at] ?? 0;
    if (length < 2 || at + length > totalLength) {
      throw new MalformedDataError(what, at, `a descriptor length between 2 and ${totalLength - at}`, String(length));
    }
    const type = config[at + 1] ?? 0;
    const body = config.subarray(at, at + length);
    if (type === USB_DT_INTERFACE) {
      if (length < 9) throw new MalformedDataError('interface descriptor', at, 'bLength ≥ 9', String(length));
      finish();
      current = {
        number: body[2] ?? 0,
        alternate: body[3] ?? 0,
        cls: body[5] ?? 0,
        subClass: body[6] ?? 0,
        protocol: body[7] ?? 0,
        classDescriptor: null,
        bulkIn: null,
        bulkOut: null,
        interruptIn: null,
      };
    } else if (type === USB_DT_ENDPOINT && current) {
      if (length < 7) throw new MalformedDataError('endpoint descriptor', at, 'bLength ≥ 7', String(length));
      addEndpoint(current, body);
    } else if (CCID_DESCRIPTOR_TYPES.includes(type) && current && length === CCID_CLASS_DESCRIPTOR_LENGTH) {
      current.classDescriptor ??= { bytes: body, offset: at };
    }
    at += length;
  }
  finish();
  return found;
}

function addEndpoint(target: InterfaceBeingRead, body: Uint8Array): void {
  const address = body[2] ?? 0;
  const attributes = (body[3] ?? 0) & 0x03;
  const info: EndpointInfo = {
    address,
    number: address & 0x0f,
    maxPacketSize: ((body[4] ?? 0) | ((body[5] ?? 0) << 8)) & 0x7ff,
  };
  const isIn = (address & 0x80) !== 0;
  // USB 2.0 Table 9-13: bmAttributes 2 = bulk, 3 = interrupt.
  if (attributes === 2 && isIn) target.bulkIn ??= info;
  else if (attributes === 2) target.bulkOut ??= info;
  else if (attributes === 3 && isIn) target.interruptIn ??= info;
}

function toCcidInterface(i: InterfaceBeingRead, configurationValue: number): CcidInterface | null {
  if (i.cls !== USB_CLASS_SMART_CARD && i.cls !== USB_CLASS_VENDOR) return null;
  if (!i.classDescriptor) {
    if (i.cls === USB_CLASS_VENDOR) return null;
    throw new MalformedDataError(
      `interface ${i.number} (class 0x0B)`,
      0,
      'a 54-byte CCID class descriptor',
      'none',
    );
  }
  return {
    configurationValue,
    interfaceNumber: i.number,
    alternateSetting: i.alternate,
    interfaceClass: i.cls,
    interfaceSubClass: i.subClass,
    interfaceProtocol: i.protocol,
    descriptor: parseCcidClassDescriptor(i.classDescriptor.bytes),
    descriptorOffset: i.classDescriptor.offset,
    bulkIn: i.bulkIn,
    bulkOut: i.bulkOut,
    interruptIn: i.interruptIn,
  };
}
