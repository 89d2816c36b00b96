/**
 * PC/SC part 10 (v2.02.x) reader features, as SCardControl() reports them:
 *
 * - §2.2 CM_IOCTL_GET_FEATURE_REQUEST = SCARD_CTL_CODE(3400) answers a list of TLV: tag (1 byte, the
 *   feature), length (1 byte, always 4), value (the control code of that feature, 4 bytes BIG
 *   endian). On pcsc-lite, SCARD_CTL_CODE(code) = 0x42000000 + code, so the request is 0x42000D48,
 *   and libccid answers e.g. FEATURE_VERIFY_PIN_DIRECT (06) → 0x42330006.
 * - §2.6.14 FEATURE_GET_TLV_PROPERTIES answers TLV with 1-byte tag and length and a LITTLE-endian
 *   value: wIdVendor (0B) / wIdProduct (0C) name the USB reader, which is how a PC/SC reader is
 *   matched with a WebUSB device (README of the Web Smart Card API, "Access permissions based on
 *   card readers").
 *
 * Pure codecs; the encoders exist for the readers of the tests (the stand-in for libccid).
 */
import { MalformedDataError, hexByte } from '../ccid';

/** pcsc-lite's SCARD_CTL_CODE (reader.h): 0x42000000 + code. */
export const scardCtlCode = (code: number): number => 0x42000000 + code;

/** §2.2 the request for the feature list. */
export const CM_IOCTL_GET_FEATURE_REQUEST = scardCtlCode(3400);

/** Feature tags (PC/SC part 10 §2.3) the app uses. */
export const Feature = {
  verifyPinDirect: 0x06,
  modifyPinDirect: 0x07,
  ifdPinProperties: 0x0a,
  getTlvProperties: 0x12,
} as const;

/** §2.6.14 property tags the app reads. */
export const Property = {
  bMinPINSize: 0x06,
  bMaxPINSize: 0x07,
  wIdVendor: 0x0b,
  wIdProduct: 0x0c,
} as const;

/** Feature tag → control code, as the reader reported them. */
export type FeatureCodes = ReadonlyMap<number, number>;

/** sFirmwareID: the only string property (§2.6.14). */
const STRING_PROPERTIES: ReadonlySet<number> = new Set([0x08]);
const NUMBER_LENGTHS: ReadonlySet<number> = new Set([1, 2, 4]);

const FEATURE_ENTRY = 6;
const FEATURE_VALUE_LENGTH = 4;

/** Decodes the answer to CM_IOCTL_GET_FEATURE_REQUEST strictly (an empty answer: no features). */
export function decodeFeatures(bytes: Uint8Array): FeatureCodes {
  const what = 'PC/SC part 10 feature list';
  if (bytes.length % FEATURE_ENTRY !== 0) {
    throw new MalformedDataError(what, bytes.length, `a multiple of ${FEATURE_ENTRY} bytes (tag, length 4, code)`, `${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const features = new Map<number, number>();
  for (let at = 0; at < bytes.length; at += FEATURE_ENTRY) {
    const tag = view.getUint8(at);
    const length = view.getUint8(at + 1);
    if (length !== FEATURE_VALUE_LENGTH) throw new MalformedDataError(what, at + 1, 'length 04', `0x${hexByte(length)}`);
    if (features.has(tag)) throw new MalformedDataError(what, at, 'each feature once', `feature 0x${hexByte(tag)} twice`);
    features.set(tag, view.getUint32(at + 2, false));
  }
  return features;
}

export function encodeFeatures(features: FeatureCodes): Uint8Array {
  const out = new Uint8Array(features.size * FEATURE_ENTRY);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [tag, code] of features) {
    view.setUint8(at, tag);
    view.setUint8(at + 1, FEATURE_VALUE_LENGTH);
    view.setUint32(at + 2, code, false);
    at += FEATURE_ENTRY;
  }
  return out;
}

/** §2.6.14 properties: tag → value (b, w, dw: little-endian unsigned; strings such as sFirmwareID are skipped). */
export type TlvProperties = ReadonlyMap<number, number>;

export function decodeTlvProperties(bytes: Uint8Array): TlvProperties {
  const what = 'PC/SC part 10 TLV properties';
  const properties = new Map<number, number>();
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new MalformedDataError(what, at, 'tag and length', 'the end of the answer');
    const tag = bytes[at] ?? 0;
    const length = bytes[at + 1] ?? 0;
    if (at + 2 + length > bytes.length) throw new MalformedDataError(what, at + 1, `${length} value bytes`, `${bytes.length - at - 2}`);
    if (!STRING_PROPERTIES.has(tag) && NUMBER_LENGTHS.has(length)) {
      let value = 0;
      for (let i = length - 1; i >= 0; i--) value = value * 256 + (bytes[at + 2 + i] ?? 0);
      properties.set(tag, value);
    }
    at += 2 + length;
  }
  return properties;
}

export function encodeTlvProperties(properties: ReadonlyArray<readonly [tag: number, value: number, length: 1 | 2 | 4]>): Uint8Array {
  const out: number[] = [];
  for (const [tag, value, length] of properties) {
    out.push(tag, length);
    for (let i = 0; i < length; i++) out.push(Math.floor(value / 256 ** i) & 0xff);
  }
  return Uint8Array.from(out);
}
