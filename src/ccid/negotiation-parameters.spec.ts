import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeProtocolData, encodeProtocolData, type ProtocolData } from './negotiation-parameters';
import { fromHex, toHex } from './bytes';
import { MalformedDataError } from './errors';

function malformed(run: () => unknown): MalformedDataError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(MalformedDataError);
    return e as MalformedDataError;
  }
  throw new Error('no MalformedDataError thrown');
}

const ecardT1: ProtocolData = {
  protocol: 1,
  findexDindex: 0x13,
  convention: 'direct',
  guardTimeN: 0,
  clockStop: 'not-supported',
  edc: 'lrc',
  bwi: 4,
  cwi: 5,
  ifsc: 254,
  nad: 0,
};

describe('encodeProtocolData (CCID 1.1 §6.1.7)', () => {
  it('lays out the eCard T=1 parameters as 13 10 00 45 00 FE 00', () => {
    expect(toHex(encodeProtocolData(ecardT1))).toBe('13 10 00 45 00 FE 00');
  });

  it('sets CRC and inverse convention in bmTCCKST1 and the clock stop code', () => {
    const bytes = encodeProtocolData({ ...ecardT1, edc: 'crc', convention: 'inverse', clockStop: 'high', guardTimeN: 255, nad: 0x21 });
    expect(toHex(bytes)).toBe('13 13 FF 45 02 FE 21');
  });

  it('lays out T=0 parameters in 5 bytes: Fi/Di, convention, N, WI, clock stop', () => {
    const bytes = encodeProtocolData({ protocol: 0, findexDindex: 0x96, convention: 'inverse', guardTimeN: 2, wi: 10, clockStop: 'low' });
    expect(toHex(bytes)).toBe('96 02 02 0A 01');
  });
});

describe('decodeProtocolData', () => {
  it('reads back what was encoded, for both protocols', () => {
    const common = {
      findexDindex: fc.integer({ min: 0, max: 255 }),
      convention: fc.constantFrom('direct' as const, 'inverse' as const),
      guardTimeN: fc.integer({ min: 0, max: 255 }),
      clockStop: fc.constantFrom('not-supported' as const, 'low' as const, 'high' as const, 'no-preference' as const),
    };
    const data: fc.Arbitrary<ProtocolData> = fc.oneof(
      fc.record({ protocol: fc.constant(0 as const), ...common, wi: fc.integer({ min: 1, max: 255 }) }),
      fc.record({
        protocol: fc.constant(1 as const),
        ...common,
        edc: fc.constantFrom('lrc' as const, 'crc' as const),
        bwi: fc.integer({ min: 0, max: 9 }),
        cwi: fc.integer({ min: 0, max: 15 }),
        ifsc: fc.integer({ min: 1, max: 254 }),
        nad: fc.integer({ min: 0, max: 255 }),
      }),
    );
    fc.assert(
      fc.property(data, (d) => {
        expect(decodeProtocolData(d.protocol, encodeProtocolData(d))).toEqual(d);
      }),
      { seed: 6171, numRuns: 2_000 },
    );
  });

  it.each<[string, number, string, string, number]>([
    ['a protocol other than T=0 / T=1', 2, '13 10 00 45 00 FE 00', 'bProtocolNum', 0],
    ['a T=1 structure of the wrong length', 1, '13 10 00 45 00', 'T=1 protocol data', 0],
    ['a T=0 structure of the wrong length', 0, '13 10 00 45 00 FE 00', 'T=0 protocol data', 0],
    ['bmTCCKST1 without its fixed bits', 1, '13 00 00 45 00 FE 00', 'T=1 protocol data bmTCCKST1', 1],
    ['bmTCCKST0 with reserved bits', 0, '11 01 00 0A 00', 'T=0 protocol data bmTCCKST0', 1],
    ['a reserved bClockStop', 1, '13 10 00 45 04 FE 00', 'T=1 protocol data bClockStop', 4],
  ])('rejects %s', (_, protocol, hex, what, offset) => {
    const e = malformed(() => decodeProtocolData(protocol, fromHex(hex)));
    expect([e.what, e.offset]).toEqual([what, offset]);
  });
});
