import { describe, it, expect } from 'vitest';
import { fromHex, toHex, MalformedDataError } from '../ccid';
import { ApduBuildError, buildCommandApdu, counterOf, counterSw, formatSw, parseResponseApdu, swBytes } from './apdu';

describe('buildCommandApdu', () => {
  it('builds a case 1 command from the header alone', () => {
    expect(toHex(buildCommandApdu([0x00, 0x20, 0x00, 0x01]))).toBe('00 20 00 01');
  });
  it('builds a case 3 command with a one-byte Lc before the data', () => {
    expect(toHex(buildCommandApdu([0x00, 0x20, 0x00, 0x01], fromHex('31 32 33 34')))).toBe('00 20 00 01 04 31 32 33 34');
  });
  it('takes 255 data bytes, the longest short Lc', () => {
    const apdu = buildCommandApdu([0x00, 0xd6, 0x00, 0x00], new Uint8Array(255).fill(0xaa));
    expect(apdu.length).toBe(260);
    expect(apdu[4]).toBe(0xff);
  });
  it('refuses empty data, which no short Lc can encode', () => {
    expect(() => buildCommandApdu([0x00, 0x20, 0x00, 0x01], new Uint8Array(0))).toThrow(ApduBuildError);
  });
  it('refuses 256 data bytes', () => {
    expect(() => buildCommandApdu([0x00, 0x20, 0x00, 0x01], new Uint8Array(256))).toThrow(/1\.\.255 bytes.*got 256/);
  });
  it('refuses a header byte outside 0..255, naming its position', () => {
    expect(() => buildCommandApdu([0x00, 0x120, 0x00, 0x01])).toThrow(/header byte 1: expected 0\.\.255, got 288/);
    expect(() => buildCommandApdu([0x00, 0x20, 0x00, 1.5])).toThrow(ApduBuildError);
  });
});

describe('parseResponseApdu', () => {
  it('splits the data from SW1 SW2', () => {
    const response = parseResponseApdu(fromHex('6F 10 90 00'));
    expect(toHex(response.data)).toBe('6F 10');
    expect(response.sw).toBe(0x9000);
  });
  it('reads a status word without data', () => {
    expect(parseResponseApdu(fromHex('63 C2'))).toEqual({ data: new Uint8Array(0), sw: 0x63c2 });
  });
  it('throws a typed error naming the length for fewer than 2 bytes', () => {
    for (const bytes of [new Uint8Array(0), fromHex('90')]) {
      let error: unknown;
      try {
        parseResponseApdu(bytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MalformedDataError);
      expect(error).toMatchObject({ what: 'response APDU', expected: 'at least 2 bytes (SW1 SW2)', got: `${bytes.length} bytes` });
    }
  });
});

describe('status words', () => {
  it('formats a status word as four upper-case hex digits', () => {
    expect(formatSw(0x63c2)).toBe('63C2');
    expect(formatSw(0x6a82)).toBe('6A82');
    expect(formatSw(0x0001)).toBe('0001');
  });
  it('reads x of 63Cx and nothing of other words', () => {
    expect(counterOf(0x63c0)).toBe(0);
    expect(counterOf(0x63c5)).toBe(5);
    expect(counterOf(0x63cf)).toBe(15);
    expect(counterOf(0x6300)).toBeNull();
    expect(counterOf(0x6983)).toBeNull();
    expect(counterOf(0x9000)).toBeNull();
  });
  it('builds 63Cx for 0..15 and refuses anything else', () => {
    expect(counterSw(0)).toBe(0x63c0);
    expect(counterSw(4)).toBe(0x63c4);
    expect(counterSw(15)).toBe(0x63cf);
    expect(() => counterSw(16)).toThrow(ApduBuildError);
    expect(() => counterSw(-1)).toThrow(ApduBuildError);
  });
  it('turns a status word into its two bytes', () => {
    expect(toHex(swBytes(0x6983))).toBe('69 83');
  });
});
