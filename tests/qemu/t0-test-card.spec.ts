import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../../src/ccid';
import { transmitT0 } from '../../src/ccid/t0-tpdu';
import { createT0TestCard, TEST_FCI } from './t0-test-card';
import { CASE_APDUS, PROBE_TPDUS, plannedApduSequence } from './suite-plan';

const send = (card: ReturnType<typeof createT0TestCard>, tpdu: string): string => toHex(card.transmitApdu(fromHex(tpdu)));

describe('createT0TestCard', () => {
  it('answers the planned TPDUs of every APDU case, in order, exactly', () => {
    const card = createT0TestCard();
    const answers = CASE_APDUS.flatMap((apdu) => apdu.tpdus).map((tpdu) => toHex(card.transmitApdu(tpdu.command)));
    expect(answers).toEqual(CASE_APDUS.flatMap((apdu) => apdu.tpdus).map((tpdu) => toHex(tpdu.response)));
  });

  it('answers the probe the tries left without taking one', () => {
    const card = createT0TestCard({ triesLeft: 5 });
    expect(send(card, toHex(PROBE_TPDUS[0]?.command ?? new Uint8Array(0)))).toBe('90 00');
    expect([send(card, '00 20 00 01 00'), send(card, '00 20 00 01 00')]).toEqual(['63 C5', '63 C5']);
  });

  it('hands out a waiting response in parts (61xx) and refuses an over-long GET RESPONSE with 6Cxx', () => {
    const card = createT0TestCard();
    const aid = toHex(TEST_FCI.subarray(4));
    expect(send(card, `00 A4 04 00 0B ${aid}`)).toBe('61 0F');
    expect(send(card, '00 C0 00 00 20')).toBe('6C 0F');
    expect(send(card, '00 C0 00 00 05')).toBe(`${toHex(TEST_FCI.subarray(0, 5))} 61 0A`);
    expect(send(card, '00 C0 00 00 0A')).toBe(`${toHex(TEST_FCI.subarray(5))} 90 00`);
    expect(send(card, '00 C0 00 00 0A')).toBe('69 85');
  });

  it('drops a waiting response when another command comes first (ISO/IEC 7816-3 §12.2.4)', () => {
    const card = createT0TestCard();
    expect(send(card, `00 A4 04 00 0B ${toHex(TEST_FCI.subarray(4))}`)).toBe('61 0F');
    expect(send(card, '00 20 00 01 00')).toBe('63 C3');
    expect(send(card, '00 C0 00 00 0F')).toBe('69 85');
  });

  it('answers malformed or unknown commands with their ISO/IEC 7816-4 status words', () => {
    const card = createT0TestCard();
    expect(send(card, '00 20 00 01')).toBe('67 00');
    expect(send(card, '00 A4 04 0C 0B A0 00 00 00 03 10 10 00 00 00 00')).toBe('6A 82');
    expect(send(card, '00 A4 04 0C 05 E8 28')).toBe('67 00');
    expect(send(card, '00 20 00 01 04 31 32 33 34')).toBe('90 00');
    expect(send(card, '00 20 00 01 04 31 32 33 35')).toBe('69 85');
    expect(send(card, '00 DA 01 01 00')).toBe('67 00');
    expect(send(card, '00 B0 00 00 10')).toBe('6D 00');
  });
});

describe('the suite plan against the driver T=0 mapping', () => {
  it('is what transmitT0 sends for each APDU and what it returns (ISO/IEC 7816-3 §12.2)', async () => {
    const card = createT0TestCard();
    const seen: string[] = [];
    const results: string[] = [];
    for (const apdu of CASE_APDUS) {
      const response = await transmitT0(apdu.command, async (tpdu) => {
        seen.push(toHex(tpdu));
        return card.transmitApdu(tpdu);
      });
      results.push(toHex(response));
    }
    expect(seen).toEqual(CASE_APDUS.flatMap((apdu) => apdu.tpdus.map((tpdu) => toHex(tpdu.command))));
    expect(results).toEqual(CASE_APDUS.map((apdu) => toHex(apdu.response)));
  });

  it('counts 13 TPDUs for the 11 APDUs of a full run (cases 4 and 6Cxx cost two)', () => {
    const sequence = plannedApduSequence();
    expect([sequence.length, sequence.flatMap((apdu) => apdu.tpdus).length]).toEqual([11, 13]);
  });
});
