import { describe, it, expect } from 'vitest';
import { MalformedDataError } from '../ccid/errors';
import {
  blockWaitingSeconds,
  characterEtu,
  createWireMeter,
  decodeRateByte,
  etuSeconds,
  exchangeEtu,
  isDefinedRate,
  waitingTimeSeconds,
  type WireRate,
} from './wire-time';

const base: WireRate = { fi: 372, di: 1, clockKhz: 3571.2, guardTimeN: 0, protocol: 1 };

describe('decodeRateByte', () => {
  it('decodes TA1 13 of the eCard as Fi 372, Di 4, f(max) 5 MHz', () => {
    expect(decodeRateByte('TA1', 0x13, 2)).toEqual({ fi: 372, di: 4, fmaxKhz: 5000 });
  });
  it('decodes the high codes of both tables', () => {
    expect(decodeRateByte('TA1', 0xd9, 2)).toEqual({ fi: 2048, di: 20, fmaxKhz: 20000 });
    expect(decodeRateByte('TA1', 0x96, 2)).toEqual({ fi: 512, di: 32, fmaxKhz: 5000 });
  });
  it('names a reserved Fi or Di code with its offset', () => {
    expect(() => decodeRateByte('TA1', 0x71, 2)).toThrow(MalformedDataError);
    try {
      decodeRateByte('PPS1', 0x10, 2);
    } catch (e) {
      expect(e).toMatchObject({ what: 'PPS1 Di', offset: 2, got: '10' });
    }
    expect.assertions(2);
  });
  it('tells defined rate values from others', () => {
    expect(isDefinedRate(372, 4)).toBe(true);
    expect(isDefinedRate(372, 3)).toBe(false);
    expect(isDefinedRate(400, 1)).toBe(false);
  });
});

describe('etuSeconds', () => {
  it('is 1/9600 s at Fi 372, Di 1 and 3.5712 MHz', () => {
    expect(etuSeconds(base)).toBeCloseTo(1 / 9600, 12);
  });
  it('is four times shorter at Di 4', () => {
    expect(etuSeconds({ ...base, di: 4 }) * 4).toBeCloseTo(etuSeconds(base), 15);
  });
});

describe('characterEtu', () => {
  it('adds the extra guard time N only to characters the card receives', () => {
    expect(characterEtu({ guardTimeN: 2, protocol: 0 }, 'to-card')).toBe(14);
    expect(characterEtu({ guardTimeN: 2, protocol: 0 }, 'to-reader')).toBe(12);
  });
  it('takes N = 255 as 11 etu for T=1 and 12 etu for T=0', () => {
    expect(characterEtu({ guardTimeN: 255, protocol: 1 }, 'to-card')).toBe(11);
    expect(characterEtu({ guardTimeN: 255, protocol: 1 }, 'to-reader')).toBe(11);
    expect(characterEtu({ guardTimeN: 255, protocol: 0 }, 'to-card')).toBe(12);
  });
});

describe('exchangeEtu', () => {
  it('adds BGT 22 etu between a T=1 block and the answer', () => {
    const etu = exchangeEtu([{ direction: 'to-card', count: 9 }, { direction: 'to-reader', count: 14 }], base);
    expect(etu).toBe(9 * 12 + 22 + 14 * 12);
  });
  it('adds 16 etu at each change of direction for T=0, and none inside one direction', () => {
    const rate = { ...base, protocol: 0 as const };
    const segments = [
      { direction: 'to-card', count: 5 },
      { direction: 'to-reader', count: 1 },
      { direction: 'to-card', count: 4 },
      { direction: 'to-card', count: 0 },
      { direction: 'to-reader', count: 2 },
    ] as const;
    expect(exchangeEtu(segments, rate)).toBe(5 * 12 + 16 + 12 + 16 + 4 * 12 + 16 + 2 * 12);
  });
});

describe('waiting times', () => {
  it('computes BWT for BWI 4 at 3.5712 MHz: 11 etu + 16 × 960 × 372 / f', () => {
    expect(blockWaitingSeconds(4, base)).toBeCloseTo(11 / 9600 + (16 * 960) / 9600, 12);
  });
  it('computes the T=0 WT for WI 10: 9600 etu at Fi 372', () => {
    expect(waitingTimeSeconds(10, base)).toBeCloseTo(1, 12);
  });
});

describe('createWireMeter', () => {
  it('counts etu at the rate in force for each exchange and adds waits to seconds only', () => {
    const meter = createWireMeter();
    meter.exchange([{ direction: 'to-card', count: 10 }], base); // 120 etu at 1/9600 s
    meter.exchange([{ direction: 'to-card', count: 10 }], { ...base, di: 4 }); // 120 etu at 1/38400 s
    meter.wait(0.5);
    expect(meter.etu).toBe(240);
    expect(meter.seconds).toBeCloseTo(120 / 9600 + 120 / 38400 + 0.5, 12);
  });
});
