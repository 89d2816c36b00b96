import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../ccid';
import { ECARD_PROFILE, MIN_PIN_LENGTH, ecardAid, ecardAtr, headerOf, isEcardAtr } from './ecard-profile';

const CORPUS = '/work/shared/atr-corpus/atrs.txt';

describe('ECARD_PROFILE', () => {
  it('holds the facts of ecard.md, byte for byte', () => {
    expect(toHex(ecardAtr())).toBe('3B F0 13 00 00 81 31 FE 45 E8');
    expect(toHex(ecardAid())).toBe('E8 28 BD 08 0F D6 42 00 00 01 01');
    expect(toHex(Uint8Array.from(headerOf('verify')))).toBe('00 20 00 01');
    expect(toHex(Uint8Array.from(headerOf('changeReferenceData')))).toBe('00 24 00 01');
    expect(toHex(Uint8Array.from(headerOf('resetRetryCounter')))).toBe('00 2C 02 01');
    expect(toHex(Uint8Array.from(headerOf('selectByAid')))).toBe('00 A4 04 0C');
    expect(ECARD_PROFILE.pinLength.value).toBe(4);
    expect(ECARD_PROFILE.maxTries.value).toBe(5);
    expect(ECARD_PROFILE.transportPin.value).toBe('000');
    expect(ECARD_PROFILE.resetPin.value).toBe('0000');
    expect(MIN_PIN_LENGTH).toBe(3);
  });
  it('cites a source of kind [public], [sdk] or [model] on every row', () => {
    for (const [name, fact] of Object.entries(ECARD_PROFILE)) {
      expect(fact.source, name).toMatch(/^\[(public|sdk|model)\] \S/);
    }
  });
  it('hands out copies, so no caller can change the profile', () => {
    const atr = ecardAtr();
    atr[0] = 0;
    ecardAid().fill(0);
    expect(ecardAtr()[0]).toBe(0x3b);
    expect(ecardAid()[0]).toBe(0xe8);
  });
});

describe('isEcardAtr', () => {
  it('recognises the eCard ATR', () => {
    expect(isEcardAtr(fromHex('3B F0 13 00 00 81 31 FE 45 E8'))).toBe(true);
  });
  it('rejects a prefix, an extension and a one-bit change', () => {
    expect(isEcardAtr(fromHex('3B F0 13 00 00 81 31 FE 45'))).toBe(false);
    expect(isEcardAtr(fromHex('3B F0 13 00 00 81 31 FE 45 E8 00'))).toBe(false);
    expect(isEcardAtr(fromHex('3B F0 13 00 00 81 31 FE 45 E9'))).toBe(false);
    expect(isEcardAtr(new Uint8Array(0))).toBe(false);
  });
  it('finds exactly one eCard among the 3803 ATRs of the corpus', () => {
    const lines = readFileSync(CORPUS, 'utf8').split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBe(3803);
    const hits = lines.filter((line) => isEcardAtr(fromHex(line)));
    expect(hits).toEqual(['3B F0 13 00 00 81 31 FE 45 E8']);
  });
});
