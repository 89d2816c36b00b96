import { describe, it, expect } from 'vitest';
import { concatBytes, fromHex, toHex } from '../ccid/bytes';
import { MalformedDataError } from '../ccid/errors';
import { createT0CardSide } from './card-t0';

const FCI = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
const FILE = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);

/** A small APDU card: VERIFY status, GET CHALLENGE, VERIFY, SELECT (case 4), READ BINARY of 300 bytes. */
function card() {
  const calls: string[] = [];
  const transmitApdu = (apdu: Uint8Array): Uint8Array => {
    calls.push(toHex(apdu));
    switch (toHex(apdu.subarray(0, 2))) {
      case '00 20':
        return apdu.length === 4 ? fromHex('63 C3') : fromHex('90 00');
      case '00 84':
        return fromHex('01 02 03 04 05 06 07 08 90 00');
      case '00 A4':
        return concatBytes([FCI, fromHex('90 00')]);
      case '00 B0':
        return concatBytes([FILE, fromHex('90 00')]);
      default:
        return fromHex('6D 00');
    }
  };
  return { side: createT0CardSide({ transmitApdu }), calls };
}

const run = (side: ReturnType<typeof card>['side'], hex: string): string => toHex(side.exchange(fromHex(hex)).response);

describe('createT0CardSide', () => {
  it('case 1: passes the 4-byte command through and returns the status word', () => {
    const { side, calls } = card();
    expect(run(side, '00 20 00 01 00')).toBe('63 C3');
    expect(calls).toEqual(['00 20 00 01']);
  });
  it('case 2: returns the data when P3 matches the response length', () => {
    const { side, calls } = card();
    const answer = side.exchange(fromHex('00 84 00 00 08'));
    expect(toHex(answer.response)).toBe('01 02 03 04 05 06 07 08 90 00');
    expect(answer.segments).toEqual([
      { direction: 'to-card', count: 5 },
      { direction: 'to-reader', count: 11 },
    ]);
    expect(calls).toEqual(['00 84 00 00 08']);
  });
  it('case 2: answers 6Cxx with the right length when P3 is wrong, like a T=0 card', () => {
    const { side } = card();
    expect(run(side, '00 84 00 00 10')).toBe('6C 08');
    expect(run(side, '00 84 00 00 00')).toBe('6C 08');
    expect(run(side, '00 84 00 00 08')).toBe('01 02 03 04 05 06 07 08 90 00');
  });
  it('case 3: passes command data through, with the ACK procedure byte on the line', () => {
    const { side, calls } = card();
    const answer = side.exchange(fromHex('00 20 00 01 04 31 32 33 34'));
    expect(toHex(answer.response)).toBe('90 00');
    expect(answer.segments).toEqual([
      { direction: 'to-card', count: 5 },
      { direction: 'to-reader', count: 1 },
      { direction: 'to-card', count: 4 },
      { direction: 'to-reader', count: 2 },
    ]);
    expect(calls).toEqual(['00 20 00 01 04 31 32 33 34']);
  });
  it('case 4: answers the case 3 TPDU with 61xx and hands the data to GET RESPONSE', () => {
    const { side, calls } = card();
    expect(run(side, '00 A4 04 00 02 3F 00')).toBe('61 14');
    expect(run(side, '00 C0 00 00 14')).toBe(`${toHex(FCI)} 90 00`);
    expect(calls).toEqual(['00 A4 04 00 02 3F 00']); // GET RESPONSE served by the card, handler not called again
  });
  it('GET RESPONSE: a shorter Le gets part of the data and 61xx for the rest, a longer one 6Cxx', () => {
    const { side } = card();
    run(side, '00 A4 04 00 02 3F 00');
    expect(run(side, '00 C0 00 00 20')).toBe('6C 14');
    expect(run(side, '00 C0 00 00 10')).toBe(`${toHex(FCI.subarray(0, 16))} 61 04`);
    expect(run(side, '00 C0 00 00 04')).toBe(`${toHex(FCI.subarray(16))} 90 00`);
  });
  it('sends 256 bytes and 61xx when the answer is longer than 256 and P3 is 00', () => {
    const { side } = card();
    expect(run(side, '00 B0 00 00 00')).toBe(`${toHex(FILE.subarray(0, 256))} 61 2C`);
    expect(run(side, '00 C0 00 00 2C')).toBe(`${toHex(FILE.subarray(256))} 90 00`);
  });
  it('drops the kept response when another command comes first', () => {
    const { side, calls } = card();
    run(side, '00 A4 04 00 02 3F 00');
    run(side, '00 20 00 01 00');
    expect(run(side, '00 C0 00 00 14')).toBe('6D 00');
    expect(calls.at(-1)).toBe('00 C0 00 00 14');
  });
  it('names a TPDU no reader may send', () => {
    const { side } = card();
    expect(() => side.exchange(fromHex('00 84 00 00'))).toThrow(MalformedDataError);
    try {
      side.exchange(fromHex('00 20 00 01 05 31 32'));
    } catch (e) {
      expect(e).toMatchObject({ what: 'T=0 TPDU P3', offset: 4, expected: '2 (the data length)', got: '05' });
    }
    expect.assertions(2);
  });
  it('names a handler answer without a status word', () => {
    const side = createT0CardSide({ transmitApdu: () => fromHex('90') });
    expect(() => side.exchange(fromHex('00 84 00 00 08'))).toThrow(MalformedDataError);
  });
  it('reset forgets the kept response', () => {
    const { side } = card();
    run(side, '00 A4 04 00 02 3F 00');
    side.reset();
    expect(run(side, '00 C0 00 00 14')).toBe('6D 00');
  });
});
