import { describe, it, expect } from 'vitest';
import { fromHex } from '../src/ccid';
import { ECARD_ATR, isEcardAtr, pinStatusOf, statusWord } from './ecard-apdus';

describe('pinStatusOf', () => {
  it('reads 63Cx as x tries left', () => {
    expect(pinStatusOf(fromHex('63 C3'))).toEqual({ kind: 'triesLeft', tries: 3 });
    expect(pinStatusOf(fromHex('63 C0'))).toEqual({ kind: 'triesLeft', tries: 0 });
    expect(pinStatusOf(fromHex('63 CF'))).toEqual({ kind: 'triesLeft', tries: 15 });
  });

  it('reads 6983 as blocked and 9000 as already verified', () => {
    expect(pinStatusOf(fromHex('69 83'))).toEqual({ kind: 'blocked' });
    expect(pinStatusOf(fromHex('90 00'))).toEqual({ kind: 'alreadyVerified' });
  });

  it('keeps any other status word, including 63xx without C', () => {
    expect(pinStatusOf(fromHex('63 00'))).toEqual({ kind: 'unexpected', sw: 0x6300 });
    expect(pinStatusOf(fromHex('6A 88'))).toEqual({ kind: 'unexpected', sw: 0x6a88 });
  });
});

describe('statusWord', () => {
  it('takes the last two bytes after response data', () => {
    expect(statusWord(fromHex('01 02 03 61 0A'))).toBe(0x610a);
  });
});

describe('isEcardAtr', () => {
  it('matches the eCard ATR exactly and nothing shorter or longer', () => {
    expect(isEcardAtr(ECARD_ATR)).toBe(true);
    expect(isEcardAtr(ECARD_ATR.subarray(0, 9))).toBe(false);
    expect(isEcardAtr(fromHex('3B F0 13 00 00 81 31 FE 45 E8 00'))).toBe(false);
    expect(isEcardAtr(fromHex('3B 02 14 50'))).toBe(false);
  });
});
