import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../ccid/bytes';
import { MalformedDataError } from '../ccid/errors';
import { initialLink, readCardAtr } from './card-atr';

const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');

function atrError(hex: string): MalformedDataError {
  try {
    readCardAtr(fromHex(hex));
  } catch (e) {
    if (e instanceof MalformedDataError) return e;
    throw e;
  }
  throw new Error(`read ${hex} without error`);
}

describe('readCardAtr', () => {
  it('reads the eCard ATR: T=1 only, Fi 372 Di 4, IFSC 254, BWI 4 CWI 5, LRC', () => {
    const atr = readCardAtr(ECARD_ATR);
    expect(atr.protocols).toEqual([1]);
    expect([atr.fi, atr.di, atr.guardTimeN]).toEqual([372, 4, 0]);
    expect(atr.specificMode).toBeUndefined();
    expect(atr.t1).toEqual({ ifsc: 254, bwi: 4, cwi: 5, edc: 'lrc' });
    expect(atr.historical.length).toBe(0);
    expect(initialLink(atr)).toEqual({ protocol: 1, fi: 372, di: 1 });
  });
  it('defaults to T=0 at Fd/Dd with historical bytes and no TCK when TD1 is absent', () => {
    const atr = readCardAtr(fromHex('3B 02 14 50'));
    expect(atr.protocols).toEqual([0]);
    expect([atr.fi, atr.di, atr.t0.wi]).toEqual([372, 1, 10]);
    expect(toHex(atr.historical)).toBe('14 50');
  });
  it('reads TC1, TC2 (WI) and two offered protocols in order', () => {
    // TC1=02; TD1: T=0 with TC2=20; TD2: T=1 with TC3=01 (CRC); TCK.
    const body = fromHex('3B C0 02 C0 20 41 01');
    let tck = 0;
    for (const b of body.subarray(1)) tck ^= b;
    const atr = readCardAtr(Uint8Array.of(...body, tck));
    expect(atr.protocols).toEqual([0, 1]);
    expect([atr.guardTimeN, atr.t0.wi, atr.t1.edc]).toEqual([2, 0x20, 'crc']);
  });
  it('reads TA2 as specific mode, at the rate of TA1 when b5 is 0', () => {
    const atr = readCardAtr(fromHex('3B 90 13 10 00'));
    expect(atr.specificMode).toEqual({ protocol: 0, rateFromTa1: true });
    expect(initialLink(atr)).toEqual({ protocol: 0, fi: 372, di: 4 });
    expect(initialLink(readCardAtr(fromHex('3B 90 13 10 10')))).toEqual({ protocol: 0, fi: 372, di: 1 });
  });
  it('names a wrong TCK with the value it should have had', () => {
    expect(atrError('3B F0 13 00 00 81 31 FE 45 E9')).toMatchObject({ what: 'ATR TCK', offset: 9, expected: 'E8', got: 'E9' });
  });
  it('names a missing or surplus byte', () => {
    expect(atrError('3B F0 13 00 00 81 31 FE')).toMatchObject({ what: 'ATR', offset: 8, expected: 'TB3' });
    expect(atrError('3B 02 14 50 00')).toMatchObject({ what: 'ATR', expected: '4 bytes', got: '5 bytes' });
    expect(atrError('3B 02 14')).toMatchObject({ what: 'ATR', expected: '4 bytes', got: '3 bytes' });
  });
  it('rejects a bad TS, a reserved TA1 code and an IFSC of 00 or FF', () => {
    expect(atrError('3C 00').what).toBe('ATR TS');
    expect(atrError('3B 10 70').what).toBe('ATR TA1 Fi');
    expect(atrError('3B 80 81 11 00 10')).toMatchObject({ what: 'ATR TA3 (IFSC)', offset: 4, got: '00' });
    expect(atrError('3B 80 81 11 FF EF')).toMatchObject({ what: 'ATR TA3 (IFSC)', got: 'FF' });
  });
});

describe('readCardAtr over the ATR corpus', () => {
  const lines = readFileSync('/work/shared/atr-corpus/atrs.txt', 'utf8').split('\n').filter((l) => l.trim() !== '');

  it('reads 3698 of the 3803 ATRs and rejects the rest with MalformedDataError, never another error', () => {
    let read = 0;
    let rejected = 0;
    for (const line of lines) {
      const bytes = fromHex(line);
      try {
        const atr = readCardAtr(bytes);
        expect(atr.protocols.length).toBeGreaterThan(0);
        expect(atr.t1.ifsc).toBeGreaterThanOrEqual(1);
        read++;
      } catch (e) {
        expect(e, line).toBeInstanceOf(MalformedDataError);
        const { offset } = e as MalformedDataError;
        expect(offset, line).toBeLessThanOrEqual(bytes.length);
        rejected++;
      }
    }
    expect([lines.length, read, rejected]).toEqual([3803, 3698, 105]);
  });
});
