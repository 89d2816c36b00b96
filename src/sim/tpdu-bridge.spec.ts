import { describe, it, expect } from 'vitest';
import { concatBytes, fromHex, toHex } from '../ccid/bytes';
import { MalformedDataError } from '../ccid/errors';
import { createT1Card } from './card-t1';
import { createTpduBridge, type TpduBridge } from './tpdu-bridge';
import { createApduCard, VirtualCardConfigError, type VirtualCard } from './virtual-card';

const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');
const T0_ATR = fromHex('3B 02 14 50');
const CLOCK = { clockKhz: 3571.2 }; // 1 etu = 1/9600 s at Fi 372 / Di 1
const CHALLENGE = fromHex('01 02 03 04 05 06 07 08 90 00');
const GET_CHALLENGE_I0 = '00 00 05 00 84 00 00 08 89';
const CHALLENGE_I0 = '00 00 0A 01 02 03 04 05 06 07 08 90 00 92';

function ecardBridge(options: { processingSeconds?: number } = {}) {
  const card = createT1Card({ atr: ECARD_ATR, apdu: () => CHALLENGE });
  const bridge = createTpduBridge(card, { ...CLOCK, ...options });
  bridge.reset();
  return { card, bridge };
}

const send = (bridge: TpduBridge, hex: string): string | null => {
  const answer = bridge.exchange(fromHex(hex));
  return answer === null ? null : toHex(answer);
};

describe('createTpduBridge', () => {
  describe('PPS', () => {
    it('lets the card echo an acceptable PPS; the card then talks only at the agreed rate', () => {
      const { bridge } = ecardBridge();
      expect(send(bridge, 'FF 11 13 FD')).toBe('FF 11 13 FD');
      expect(send(bridge, GET_CHALLENGE_I0)).toBeNull(); // the reader is still at Di 1
      bridge.setParameters({ protocol: 1, fi: 372, di: 4 });
      expect(send(bridge, GET_CHALLENGE_I0)).toBe(CHALLENGE_I0);
    });
    it('answers without PPS1 when Di is above TA1, and the card stays at Fd / Dd', () => {
      const { bridge } = ecardBridge();
      expect(send(bridge, 'FF 11 14 FA')).toBe('FF 01 FE');
      bridge.setParameters({ protocol: 1, fi: 372, di: 8 });
      expect(send(bridge, GET_CHALLENGE_I0)).toBeNull();
      bridge.setParameters({ protocol: 1, fi: 372, di: 1 });
      expect(send(bridge, GET_CHALLENGE_I0)).toBe(CHALLENGE_I0);
    });
    it('gets no answer for a bad PCK, a T the card does not offer, or a second PPS', () => {
      const { bridge } = ecardBridge();
      expect(send(bridge, 'FF 11 13 00')).toBeNull();
      bridge.reset();
      expect(send(bridge, 'FF 10 13 FC')).toBeNull();
      bridge.reset();
      expect(send(bridge, 'FF 11 12 FC')).toBe('FF 11 12 FC');
      expect(send(bridge, 'FF 11 13 FD')).toBeNull();
    });
    it('gets no answer for a PPS after the first APDU, and a reset allows one again', () => {
      const { bridge } = ecardBridge();
      expect(send(bridge, GET_CHALLENGE_I0)).toBe(CHALLENGE_I0);
      expect(send(bridge, 'FF 11 13 FD')).toBeNull();
      bridge.reset();
      expect(send(bridge, 'FF 11 13 FD')).toBe('FF 11 13 FD');
    });
  });

  describe('T=1', () => {
    it('passes blocks to the card as they are', () => {
      const { bridge, card } = ecardBridge();
      expect(send(bridge, GET_CHALLENGE_I0)).toBe(CHALLENGE_I0);
      expect(card.log.filter((e) => e.kind === 'received').map((e) => e.kind === 'received' && toHex(e.bytes))).toEqual([GET_CHALLENGE_I0]);
    });
    it('wraps an APDU-only card in T=1 with the IFSC and EDC of its ATR', () => {
      const bridge = createTpduBridge(createApduCard({ atr: ECARD_ATR, apdu: () => CHALLENGE }), CLOCK);
      expect(send(bridge, GET_CHALLENGE_I0)).toBe(CHALLENGE_I0);
      expect(send(bridge, '00 C1 01 FE 3E')).toBe('00 E1 01 FE 1E');
    });
    it('gets no answer when the reader speaks T=0 to a T=1 card', () => {
      const { bridge } = ecardBridge();
      bridge.setParameters({ protocol: 0, fi: 372, di: 1 });
      expect(send(bridge, '00 84 00 00 08')).toBeNull();
      expect(bridge.stats.unanswered).toBe(1);
    });
    it('resets the card: sequence numbers start again at 0', () => {
      const { bridge } = ecardBridge();
      send(bridge, GET_CHALLENGE_I0);
      expect(toHex(bridge.reset())).toBe(toHex(ECARD_ATR));
      expect(send(bridge, GET_CHALLENGE_I0)).toBe(CHALLENGE_I0);
    });
  });

  describe('T=0', () => {
    const FCI = Uint8Array.from({ length: 20 }, (_, i) => i);
    const t0Card = (): VirtualCard =>
      createApduCard({
        atr: T0_ATR,
        apdu: (apdu) => (apdu[1] === 0xa4 ? concatBytes([FCI, fromHex('90 00')]) : apdu[1] === 0x84 ? CHALLENGE : fromHex('63 C2')),
      });
    it('emulates the card side: case 1, case 2 with 6Cxx, case 4 with 61xx and GET RESPONSE', () => {
      const bridge = createTpduBridge(t0Card(), CLOCK);
      expect(bridge.protocol).toBe(0);
      expect(send(bridge, '00 20 00 01 00')).toBe('63 C2');
      expect(send(bridge, '00 84 00 00 04')).toBe('6C 08');
      expect(send(bridge, '00 84 00 00 08')).toBe(toHex(CHALLENGE));
      expect(send(bridge, '00 A4 04 00 02 3F 00')).toBe('61 14');
      expect(send(bridge, '00 C0 00 00 14')).toBe(`${toHex(FCI)} 90 00`);
      expect(bridge.stats.tpdus).toBe(5);
    });
    it('counts a case 2 exchange as 5 + 11 characters and one 16-etu turnaround', () => {
      const bridge = createTpduBridge(t0Card(), CLOCK);
      send(bridge, '00 84 00 00 08');
      expect(bridge.wireTimeEtu).toBe(5 * 12 + 16 + 11 * 12);
    });
    it('throws MalformedDataError for a TPDU no reader may send', () => {
      const bridge = createTpduBridge(t0Card(), CLOCK);
      expect(() => bridge.exchange(fromHex('00 84 00'))).toThrow(MalformedDataError);
    });
  });

  describe('wire time', () => {
    it('counts a T=1 exchange as its characters at 12 etu plus BGT 22 etu', () => {
      const { bridge } = ecardBridge();
      send(bridge, GET_CHALLENGE_I0);
      expect(bridge.wireTimeEtu).toBe(9 * 12 + 22 + 14 * 12);
      expect(bridge.wireTimeSeconds).toBeCloseTo(298 / 9600, 12);
    });
    it('adds the extra guard time N to the characters the card receives', () => {
      const card = createT1Card({ atr: ECARD_ATR, apdu: () => CHALLENGE });
      const bridge = createTpduBridge(card, { ...CLOCK, extraGuardTime: 2 });
      send(bridge, GET_CHALLENGE_I0);
      expect(bridge.wireTimeEtu).toBe(9 * 14 + 22 + 14 * 12);
    });
    it('shows the same APDU exchange 4 times faster at Di 4 than at Di 1', () => {
      const slow = ecardBridge().bridge;
      send(slow, GET_CHALLENGE_I0);
      const fast = ecardBridge().bridge;
      send(fast, 'FF 11 13 FD');
      fast.setParameters({ protocol: 1, fi: 372, di: 4 });
      const before = fast.wireTimeSeconds;
      expect(send(fast, GET_CHALLENGE_I0)).toBe(CHALLENGE_I0);
      expect(slow.wireTimeSeconds / (fast.wireTimeSeconds - before)).toBeCloseTo(4, 9);
    });
    it('gains less than 4 times once the card needs processing time', () => {
      const processingSeconds = 0.002;
      const slow = ecardBridge({ processingSeconds }).bridge;
      send(slow, GET_CHALLENGE_I0);
      const fast = ecardBridge({ processingSeconds }).bridge;
      send(fast, 'FF 11 13 FD');
      fast.setParameters({ protocol: 1, fi: 372, di: 4 });
      const before = fast.wireTimeSeconds;
      send(fast, GET_CHALLENGE_I0);
      const ratio = slow.wireTimeSeconds / (fast.wireTimeSeconds - before);
      expect(ratio).toBeCloseTo((298 / 9600 + processingSeconds) / (298 / 38400 + processingSeconds), 9);
      expect(ratio).toBeLessThan(3.5);
    });
    it('counts BWT when the card stays mute', () => {
      const { bridge, card } = ecardBridge();
      card.faults.mute();
      expect(send(bridge, GET_CHALLENGE_I0)).toBeNull();
      expect(bridge.wireTimeSeconds).toBeCloseTo((9 * 12 + 11) / 9600 + 1.6, 9); // BWI 4: 2^4 × 960 etu
    });
  });

  describe('parameters and stats', () => {
    it('refuses rates and guard times no reader could set', () => {
      const { bridge } = ecardBridge();
      expect(() => bridge.setParameters({ protocol: 1, fi: 372, di: 3 })).toThrow(VirtualCardConfigError);
      expect(() => bridge.setParameters({ protocol: 1, fi: 372, di: 1, guardTimeN: 256 })).toThrow(VirtualCardConfigError);
      expect(() => createTpduBridge(createApduCard({ atr: ECARD_ATR, apdu: () => CHALLENGE }), { clockKhz: 0 })).toThrow(
        VirtualCardConfigError,
      );
    });
    it('counts exchanges, blocks, PPS requests, unanswered exchanges and characters', () => {
      const { bridge } = ecardBridge();
      send(bridge, 'FF 11 13 FD');
      send(bridge, GET_CHALLENGE_I0);
      bridge.setParameters({ protocol: 1, fi: 372, di: 4 });
      send(bridge, GET_CHALLENGE_I0);
      expect(bridge.stats).toEqual({
        exchanges: 3,
        blocks: 1,
        tpdus: 0,
        ppsRequests: 1,
        unanswered: 1,
        bytesToCard: 4 + 9 + 9,
        bytesToReader: 4 + 14,
      });
    });
  });
});
