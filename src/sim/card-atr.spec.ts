import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../ccid/bytes';
import { MalformedDataError } from '../ccid/errors';
import { initialLink, readCardAtr } from './card-atr';

const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');

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
  it('keeps the order in which the ATR offers its protocols (T=1 first here)', () => {
    // TD1: T=1; TD2: T=0 — the card's first offered protocol is T=1 (§8.2.3).
    const body = fromHex('3B 80 81 00');
    let tck = 0;
    for (const b of body.subarray(1)) tck ^= b;
    expect(readCardAtr(Uint8Array.of(...body, tck)).protocols).toEqual([1, 0]);
  });
  it('refuses an ATR the card could not send, with the typed error of the ATR codec', () => {
    expect(() => readCardAtr(fromHex('3B F0 13 00 00 81 31 FE 45 E9'))).toThrow(MalformedDataError);
    expect(() => readCardAtr(fromHex('3B 10 70'))).toThrow(expect.objectContaining({ what: 'ATR TA1' }));
  });
});
