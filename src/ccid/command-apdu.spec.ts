import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes';
import { MalformedDataError } from './errors';
import { MalformedApduError, parseCommandApdu } from './command-apdu';

function shape(hex: string) {
  const a = parseCommandApdu(fromHex(hex));
  return { case: a.case, extended: a.extended, data: toHex(a.data), le: a.le };
}

function failure(hex: string): { offset: number; expected: string; got: string } {
  try {
    parseCommandApdu(fromHex(hex));
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedApduError);
    expect(error).toBeInstanceOf(MalformedDataError);
    const e = error as MalformedApduError;
    return { offset: e.offset, expected: e.expected, got: e.got };
  }
  throw new Error(`parseCommandApdu accepted ${hex}`);
}

describe('parseCommandApdu', () => {
  it('reads the header', () => {
    expect(parseCommandApdu(fromHex('80 CA 9F 7F 00'))).toMatchObject({ cla: 0x80, ins: 0xca, p1: 0x9f, p2: 0x7f });
  });

  it('tells the four short cases apart (ISO/IEC 7816-4 §5.1)', () => {
    expect(shape('00 70 00 00')).toEqual({ case: 1, extended: false, data: '', le: 0 });
    expect(shape('00 B0 00 00 10')).toEqual({ case: 2, extended: false, data: '', le: 16 });
    expect(shape('00 B0 00 00 00')).toEqual({ case: 2, extended: false, data: '', le: 256 });
    expect(shape('00 20 00 01 04 31 32 33 34')).toEqual({ case: 3, extended: false, data: '31 32 33 34', le: 0 });
    expect(shape('00 A4 04 00 02 3F 00 00')).toEqual({ case: 4, extended: false, data: '3F 00', le: 256 });
    expect(shape('00 A4 04 00 02 3F 00 1C')).toEqual({ case: 4, extended: false, data: '3F 00', le: 28 });
  });

  it('tells the four extended cases apart', () => {
    expect(shape('00 B0 00 00 00 01 00')).toEqual({ case: 2, extended: true, data: '', le: 256 });
    expect(shape('00 B0 00 00 00 00 00')).toEqual({ case: 2, extended: true, data: '', le: 65_536 });
    expect(shape('00 D6 00 00 00 00 02 AA BB')).toEqual({ case: 3, extended: true, data: 'AA BB', le: 0 });
    expect(shape('00 2A 9E 9A 00 00 02 AA BB 00 00')).toEqual({ case: 4, extended: true, data: 'AA BB', le: 65_536 });
    expect(shape('00 2A 9E 9A 00 00 02 AA BB 01 02')).toEqual({ case: 4, extended: true, data: 'AA BB', le: 0x102 });
    const big = parseCommandApdu(new Uint8Array([0, 0xd6, 0, 0, 0, 0x01, 0x2c, ...new Uint8Array(300)]));
    expect([big.case, big.extended, big.data.length]).toEqual([3, true, 300]);
  });

  it('names the length that does not match', () => {
    expect(failure('00 A4 04')).toEqual({ offset: 3, expected: 'at least 4 bytes (CLA INS P1 P2)', got: '3 bytes' });
    expect(failure('00 20 00 01 04 31 32 33')).toEqual({ offset: 8, expected: '9 or 10 bytes', got: '8 bytes' });
    expect(failure('00 20 00 01 04 31 32 33 34 00 00')).toEqual({ offset: 11, expected: '9 or 10 bytes', got: '11 bytes' });
    expect(failure('00 B0 00 00 00 01')).toEqual({ offset: 6, expected: '7 bytes or more', got: '6 bytes' });
    expect(failure('00 D6 00 00 00 00 00 AA')).toEqual({ offset: 5, expected: '0001..FFFF', got: '0000' });
    expect(failure('00 D6 00 00 00 00 02 AA')).toEqual({ offset: 8, expected: '9 or 11 bytes', got: '8 bytes' });
    expect(failure('00 D6 00 00 00 00 02 AA BB 00')).toEqual({ offset: 10, expected: '9 or 11 bytes', got: '10 bytes' });
  });

  it('parses or rejects with MalformedApduError any bytes, and rebuilds what it parses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        let apdu;
        try {
          apdu = parseCommandApdu(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedApduError);
          return;
        }
        const lc = apdu.data.length;
        const ext = apdu.extended;
        const rebuilt = [apdu.cla, apdu.ins, apdu.p1, apdu.p2];
        if (lc > 0) rebuilt.push(...(ext ? [0, lc >> 8, lc & 0xff] : [lc]), ...apdu.data);
        if (apdu.le > 0) {
          const le = apdu.le & 0xffff;
          rebuilt.push(...(ext ? (lc > 0 ? [le >> 8, le & 0xff] : [0, le >> 8, le & 0xff]) : [le & 0xff]));
        }
        expect(toHex(Uint8Array.from(rebuilt))).toBe(toHex(bytes));
      }),
      { seed: 1234, numRuns: 5000 },
    );
  });
});
