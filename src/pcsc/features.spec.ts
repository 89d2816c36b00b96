import { describe, it, expect } from 'vitest';
import { fromHex, MalformedDataError } from '../ccid';
import {
  CM_IOCTL_GET_FEATURE_REQUEST,
  decodeFeatures,
  decodeTlvProperties,
  encodeFeatures,
  encodeTlvProperties,
  Feature,
  Property,
  scardCtlCode,
} from './features';

/** What libccid 1.5 answers for a reader with PIN verification and modification (SCARDCONTROL.md, ifdhandler.c). */
const LIBCCID_PINPAD = fromHex('06 04 42 33 00 06  07 04 42 33 00 07  0A 04 42 33 00 0A  12 04 42 33 00 12');

describe('CM_IOCTL_GET_FEATURE_REQUEST (PC/SC part 10 §2.2)', () => {
  it('is SCARD_CTL_CODE(3400) = 0x42000D48 on pcsc-lite', () => {
    expect(CM_IOCTL_GET_FEATURE_REQUEST).toBe(0x42000d48);
    expect(scardCtlCode(0x330006)).toBe(0x42330006);
  });

  it('reads each feature with its big-endian control code', () => {
    const features = decodeFeatures(LIBCCID_PINPAD);
    expect(features.get(Feature.verifyPinDirect)).toBe(0x42330006);
    expect(features.get(Feature.modifyPinDirect)).toBe(0x42330007);
    expect(features.get(Feature.getTlvProperties)).toBe(0x42330012);
    expect(features.size).toBe(4);
  });

  it('a reader without features answers nothing: an empty list', () => {
    expect(decodeFeatures(new Uint8Array(0)).size).toBe(0);
  });

  it('round-trips what it decodes', () => {
    expect(encodeFeatures(decodeFeatures(LIBCCID_PINPAD))).toEqual(LIBCCID_PINPAD);
  });

  it('refuses a truncated entry, a length other than 4, and a feature twice', () => {
    expect(() => decodeFeatures(LIBCCID_PINPAD.subarray(0, 10))).toThrow(MalformedDataError);
    expect(() => decodeFeatures(fromHex('06 02 42 33 00 06'))).toThrow(/length 04/);
    expect(() => decodeFeatures(fromHex('06 04 42 33 00 06 06 04 42 33 00 06'))).toThrow(/twice/);
  });
});

describe('FEATURE_GET_TLV_PROPERTIES (PC/SC part 10 §2.6.14)', () => {
  it('reads little-endian values and skips strings', () => {
    // libccid order: wLcdLayout, bTimeOut2, sFirmwareID ("1.0"), bMinPINSize, bMaxPINSize, wIdVendor, wIdProduct.
    const answer = fromHex('01 02 00 00  03 01 00  08 03 31 2E 30  06 01 04  07 01 08  0B 02 E6 08  0C 02 78 34');
    const properties = decodeTlvProperties(answer);
    expect(properties.get(Property.wIdVendor)).toBe(0x08e6);
    expect(properties.get(Property.wIdProduct)).toBe(0x3478);
    expect(properties.get(Property.bMinPINSize)).toBe(4);
    expect(properties.has(0x08)).toBe(false);
  });

  it('encodes what the test readers answer', () => {
    expect(encodeTlvProperties([[Property.wIdVendor, 0x076b, 2], [Property.wIdProduct, 0x3821, 2]])).toEqual(fromHex('0B 02 6B 07 0C 02 21 38'));
  });

  it('refuses a value running past the end', () => {
    expect(() => decodeTlvProperties(fromHex('0B 04 E6 08'))).toThrow(MalformedDataError);
    expect(() => decodeTlvProperties(fromHex('0B'))).toThrow(MalformedDataError);
  });
});
