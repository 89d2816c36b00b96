import { describe, it, expect } from 'vitest';
import { concatBytes, fromHex, toHex } from '../ccid/bytes';
import { CardLinkError } from '../ccid/errors';
import { createT1Card, type T1Card } from './card-t1';
import { createReaderT1, ReaderT1LinkError, type ReaderT1Failure } from './reader-t1';
import { createApduCard, type VirtualCard } from './virtual-card';
import { decodeT1Block } from './wire-t1-block';

/** T=1 only, IFSC 32 (TA3 20), BWI 4 / CWI 5, LRC. */
const IFSC32_ATR = fromHex('3B 80 81 31 20 45 55');
const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');
const FILE = Uint8Array.from({ length: 598 }, (_, i) => (i * 7) & 0xff);
const OK = fromHex('90 00');

function bigCard(atr = IFSC32_ATR) {
  const commands: string[] = [];
  const card = createT1Card({
    atr,
    apdu: (command) => {
      commands.push(toHex(command));
      return concatBytes([FILE, OK]);
    },
  });
  return { card, commands };
}

/** The INF lengths of the I-blocks the card received. */
const receivedIBlockSizes = (card: T1Card): number[] =>
  card.log.flatMap((e) => {
    if (e.kind !== 'received') return [];
    const block = decodeT1Block(e.bytes, 'lrc');
    return block.type === 'I' ? [block.inf.length] : [];
  });

const sentBlocks = (card: T1Card) => card.log.flatMap((e) => (e.kind === 'sent' ? [e.block] : []));

/** A card whose n-th block (counting from 1) goes through `hook` first, to arm faults mid-exchange. */
function withHook(card: T1Card, hook: (n: number, card: T1Card) => void): VirtualCard {
  let n = 0;
  return {
    atr: card.atr,
    transmitApdu: (apdu) => card.transmitApdu(apdu),
    transmitBlock: (block) => {
      hook(++n, card);
      return card.transmitBlock(block);
    },
  };
}

function failure(run: () => unknown): ReaderT1Failure {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ReaderT1LinkError);
    expect(e).toBeInstanceOf(CardLinkError);
    return (e as ReaderT1LinkError).reason;
  }
  throw new Error('no ReaderT1LinkError');
}

describe('createReaderT1', () => {
  describe('chaining', () => {
    it('brings a 600-byte response back whole through a card with IFSC 32', () => {
      const { card, commands } = bigCard();
      const reader = createReaderT1(card);
      const response = reader.transmitApdu(fromHex('00 B0 00 00 00 02 58'));
      expect(toHex(response)).toBe(toHex(concatBytes([FILE, OK])));
      expect(commands).toEqual(['00 B0 00 00 00 02 58']);
      expect(sentBlocks(card).flatMap((b) => (b.type === 'I' ? [b.inf.length] : []))).toEqual([254, 254, 92]);
    });
    it('announces IFSD with S(IFS request) before the first APDU, and not when IFSD is 32', () => {
      const { card } = bigCard();
      createReaderT1(card).transmitApdu(fromHex('00 B0 00 00 00'));
      expect(card.log).toContainEqual({ kind: 'ifsd', size: 254 });

      const small = bigCard();
      const reader = createReaderT1(small.card, { ifsd: 32 });
      expect(toHex(reader.transmitApdu(fromHex('00 B0 00 00 00')))).toBe(toHex(concatBytes([FILE, OK])));
      expect(small.card.log.some((e) => e.kind === 'ifsd')).toBe(false);
      expect(sentBlocks(small.card).filter((b) => b.type === 'I').length).toBe(19); // 600 bytes at 32
    });
    it('chains a long command at IFSC and the card runs it once', () => {
      const { card, commands } = bigCard();
      const command = concatBytes([fromHex('00 D6 00 00 5F'), Uint8Array.from({ length: 95 }, (_, i) => i)]);
      createReaderT1(card).transmitApdu(command);
      expect(receivedIBlockSizes(card)).toEqual([32, 32, 32, 4]);
      expect(commands).toEqual([toHex(command)]);
    });
    it('follows an S(IFS request) of the card for the next chains', () => {
      const { card } = bigCard();
      const reader = createReaderT1(card);
      card.faults.requestIfs(16);
      reader.transmitApdu(fromHex('00 B0 00 00 00'));
      reader.transmitApdu(new Uint8Array(40));
      expect(receivedIBlockSizes(card)).toEqual([5, 16, 16, 8]);
    });
    it('drives an APDU-only card through T=1 built from its ATR', () => {
      const card = createApduCard({ atr: ECARD_ATR, apdu: () => OK });
      expect(toHex(createReaderT1(card).transmitApdu(fromHex('00 A4 00 00')))).toBe('90 00');
    });
  });

  describe('recovery', () => {
    it('answers S(WTX request)s with the same multiplier', () => {
      const { card, commands } = bigCard();
      card.faults.requestWtx(5, 3);
      const reader = createReaderT1(card);
      expect(reader.transmitApdu(fromHex('00 B0 00 00 00')).length).toBe(600);
      expect(reader.stats.wtxRequests).toBe(3);
      expect(commands.length).toBe(1);
    });
    it('asks again with R(EDC error) when a block of the response arrives corrupted', () => {
      const { card, commands } = bigCard();
      const reader = createReaderT1(withHook(card, (n, c) => n === 3 && c.faults.corruptNextEdc()));
      expect(toHex(reader.transmitApdu(fromHex('00 B0 00 00 00')))).toBe(toHex(concatBytes([FILE, OK])));
      expect(reader.stats.retransmissions).toBe(1);
      expect(card.log.filter((e) => e.kind === 'received').map((e) => e.kind === 'received' && toHex(e.bytes))).toContain('00 91 00 91');
      expect(commands.length).toBe(1);
    });
    it('asks again with R(other error) when a block is lost, in the middle of the chain too', () => {
      const { card, commands } = bigCard();
      const reader = createReaderT1(withHook(card, (n, c) => (n === 2 || n === 4) && c.faults.loseNextBlock()));
      expect(toHex(reader.transmitApdu(fromHex('00 B0 00 00 00')))).toBe(toHex(concatBytes([FILE, OK])));
      expect(reader.stats.retransmissions).toBe(2);
      expect(commands.length).toBe(1);
    });
    it('recovers a lost S(WTX request) by the card repeating it', () => {
      const { card, commands } = bigCard();
      card.faults.requestWtx(2);
      const reader = createReaderT1(withHook(card, (n, c) => n === 2 && c.faults.loseNextBlock()));
      expect(reader.transmitApdu(fromHex('00 B0 00 00 00')).length).toBe(600);
      expect(commands.length).toBe(1);
    });
    it('resends its I-block when the card reports an error in it', () => {
      const card = createT1Card({ atr: IFSC32_ATR, apdu: () => OK });
      let garbleNext = true;
      const garbling: VirtualCard = {
        atr: card.atr,
        transmitApdu: (apdu) => card.transmitApdu(apdu),
        transmitBlock(block) {
          const sent = block.slice();
          if (garbleNext && sent[1] === 0x00) {
            garbleNext = false;
            sent[3] = (sent[3] ?? 0) ^ 0x01; // the line flips a bit of the first I-block
          }
          return card.transmitBlock(sent);
        },
      };
      const reader = createReaderT1(garbling);
      expect(toHex(reader.transmitApdu(fromHex('00 A4 00 00')))).toBe('90 00');
      expect(card.log.filter((e) => e.kind === 'apdu').length).toBe(1);
      expect(sentBlocks(card).some((b) => b.type === 'R' && b.error === 'edc')).toBe(true);
    });
  });

  describe('failures', () => {
    it('gives up on a mute card after bounded retries and RESYNCH attempts: reason "mute"', () => {
      const { card } = bigCard();
      card.faults.mute();
      expect(failure(() => createReaderT1(card).transmitApdu(fromHex('00 B0 00 00 00')))).toBe('mute');
      expect(card.log.filter((e) => e.kind === 'fault' && e.fault === 'muted').length).toBe(8); // 4 × S(IFS), 4 × S(RESYNCH)
    });
    it('gives up on a card that answers only garbage: reason "garbled"', () => {
      let calls = 0;
      const card: VirtualCard = {
        atr: IFSC32_ATR,
        transmitApdu: () => OK,
        transmitBlock: () => {
          calls++;
          return fromHex('00 00 00 01');
        },
      };
      expect(failure(() => createReaderT1(card, { ifsd: 32 }).transmitApdu(fromHex('00 A4 00 00')))).toBe('garbled');
      expect(calls).toBe(8); // I-block, 3 R-blocks, 4 × S(RESYNCH)
    });
    it('resynchronises a card that garbles everything but RESYNCH, and does not resend the command', () => {
      const { card, commands } = bigCard();
      let garble = true;
      const flaky: VirtualCard = {
        atr: card.atr,
        transmitApdu: (apdu) => card.transmitApdu(apdu),
        transmitBlock(block) {
          const answer = card.transmitBlock(block);
          return garble && block[1] !== 0xc0 ? fromHex('00 00 00 01') : answer;
        },
      };
      const reader = createReaderT1(flaky, { ifsd: 32 });
      expect(failure(() => reader.transmitApdu(fromHex('00 B0 00 00 00')))).toBe('resynchronised');
      expect(reader.stats.resynchs).toBe(1);
      expect(commands.length).toBe(1);
      garble = false;
      expect(reader.transmitApdu(fromHex('00 B0 00 00 00')).length).toBe(600); // N(S) 0 on both sides again
      expect(commands.length).toBe(2);
    });
    it('stops a card that keeps asking for more time: reason "protocol"', () => {
      const { card } = bigCard();
      card.faults.requestWtx(1, 1000);
      expect(failure(() => createReaderT1(card).transmitApdu(fromHex('00 B0 00 00 00')))).toBe('protocol');
    });
  });

  it('reset starts the link again: IFSD announced anew, N(S) 0', () => {
    const { card } = bigCard();
    const reader = createReaderT1(card);
    reader.transmitApdu(fromHex('00 B0 00 00 00'));
    card.reset();
    reader.reset();
    expect(reader.transmitApdu(fromHex('00 B0 00 00 00')).length).toBe(600);
    expect(card.log.filter((e) => e.kind === 'ifsd').length).toBe(2);
  });
});
