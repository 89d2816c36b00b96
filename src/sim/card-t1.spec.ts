import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../ccid/bytes';
import { CcidError } from '../ccid/errors';
import { createT1Card, t1BlockLevelOf, type T1Card } from './card-t1';
import { createApduCard, VirtualCardConfigError } from './virtual-card';
import {
  decodeT1Block,
  describeT1Block,
  encodeT1Block,
  iBlock,
  rBlock,
  sBlock,
  type Edc,
  type IBlock,
  type RBlockError,
  type SBlockKind,
} from './wire-t1-block';

const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');
/** T=1 only, IFSC 32 (TA3 20), CRC (TC3 01). */
const CRC_ATR = fromHex('3B 80 81 51 20 01 71');
const CHALLENGE = fromHex('01 02 03 04 05 06 07 08 90 00');

/** An APDU handler that records its calls; answers GET CHALLENGE with 8 fixed bytes, anything else with `other`. */
function recordingHandler(other: (command: Uint8Array) => Uint8Array = () => fromHex('90 00')) {
  const calls: string[] = [];
  const apdu = (command: Uint8Array): Uint8Array => {
    calls.push(toHex(command));
    return command[1] === 0x84 ? CHALLENGE : other(command);
  };
  return { calls, apdu };
}

function ecard(options: { ifsc?: number; other?: (command: Uint8Array) => Uint8Array } = {}) {
  const handler = recordingHandler(options.other);
  const card = createT1Card({ atr: ECARD_ATR, apdu: handler.apdu, ...(options.ifsc === undefined ? {} : { ifsc: options.ifsc }) });
  const send = (hex: string): string | null => {
    const answer = card.transmitBlock(fromHex(hex));
    return answer === null ? null : toHex(answer);
  };
  return { card, calls: handler.calls, send };
}

const apduCount = (card: T1Card): number => card.log.filter((e) => e.kind === 'apdu').length;
const bytes = (n: number, from = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

/** Sends I-blocks and R-block acknowledgements like a host, returns the card's I-blocks in order. */
function hostExchange(card: T1Card, command: Uint8Array, ns: 0 | 1, ifsc: number, edc: Edc = 'lrc'): IBlock[] {
  let answer: Uint8Array | null = null;
  for (let at = 0, n = ns; at < Math.max(command.length, 1); at += ifsc, n = (n ^ 1) as 0 | 1) {
    const chunk = command.slice(at, at + ifsc);
    answer = card.transmitBlock(encodeT1Block(iBlock(n, chunk, at + ifsc < command.length), edc));
  }
  const received: IBlock[] = [];
  for (;;) {
    if (answer === null) throw new Error('card mute');
    const block = decodeT1Block(answer, edc);
    if (block.type !== 'I') throw new Error(`card answered ${describeT1Block(block)}`);
    received.push(block);
    if (!block.more) return received;
    answer = card.transmitBlock(encodeT1Block(rBlock((block.ns ^ 1) as 0 | 1), edc));
  }
}

describe('createT1Card', () => {
  describe('plain exchange', () => {
    it('answers an eCard GET CHALLENGE I(0) with I(0) carrying the response, byte for byte', () => {
      const { send, calls } = ecard();
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(calls).toEqual(['00 84 00 00 08']);
    });
    it('toggles N(S) on both sides for the next command', () => {
      const { send } = ecard();
      send('00 00 05 00 84 00 00 08 89');
      expect(send('00 40 05 00 84 00 00 08 C9')).toBe('00 40 0A 01 02 03 04 05 06 07 08 90 00 D2');
    });
    it('answers to the sender: DAD and SAD of the NAD swap', () => {
      const { send } = ecard();
      expect(send('12 00 05 00 84 00 00 08 9B')).toBe('21 00 0A 01 02 03 04 05 06 07 08 90 00 B3');
    });
    it('speaks CRC when the ATR asks for it, byte for byte', () => {
      const handler = recordingHandler();
      const card = createT1Card({ atr: CRC_ATR, apdu: handler.apdu });
      const answer = card.transmitBlock(fromHex('00 00 05 00 84 00 00 08 3E 44'));
      expect(toHex(answer ?? new Uint8Array())).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 B9 2D');
      const garbled = card.transmitBlock(fromHex('00 40 05 00 84 00 00 08 00 00'));
      expect(toHex(garbled ?? new Uint8Array())).toBe('00 91 00 49 C6'); // R(1, EDC error)
      expect(handler.calls.length).toBe(1);
    });
  });

  describe('chaining', () => {
    it('acknowledges each chained I-block with R(N(S) expected next) and calls the handler once with the whole APDU', () => {
      const { send, calls } = ecard({ ifsc: 4 });
      expect(send('00 20 04 00 20 00 01 05')).toBe('00 90 00 90'); // I(0,M) → R(1)
      expect(send('00 60 04 04 31 32 33 50')).toBe('00 80 00 80'); // I(1,M) → R(0)
      expect(send('00 00 01 34 35')).toBe('00 00 02 90 00 92'); // I(0) → I(0) 90 00
      expect(calls).toEqual(['00 20 00 01 04 31 32 33 34']);
    });
    it('chains its response to the host at IFSD 32 until an S(IFS) says otherwise', () => {
      const response = concatBytes([bytes(68), fromHex('90 00')]);
      const { card } = ecard({ other: () => response });
      const blocks = hostExchange(card, fromHex('00 B0 00 00 00'), 0, 254);
      expect(blocks.map((b) => [b.ns, b.more, b.inf.length])).toEqual([
        [0, true, 32],
        [1, true, 32],
        [0, false, 6],
      ]);
      expect(toHex(concatBytes(blocks.map((b) => b.inf)))).toBe(toHex(response));
    });
    it('answers S(IFS request) with the same INF and then chains at the new IFSD', () => {
      const response = concatBytes([bytes(300), fromHex('90 00')]);
      const { card, send } = ecard({ other: () => response });
      expect(send('00 C1 01 FE 3E')).toBe('00 E1 01 FE 1E');
      const blocks = hostExchange(card, fromHex('00 B0 00 00 00'), 0, 254);
      expect(blocks.map((b) => b.inf.length)).toEqual([254, 48]);
      expect(card.log).toContainEqual({ kind: 'ifsd', size: 254 });
    });
    it('retransmits the chunk the host did not acknowledge', () => {
      const { card, send } = ecard({ other: () => concatBytes([bytes(40), fromHex('90 00')]) });
      const first = send('00 00 05 00 B0 00 00 00 B5');
      expect(first?.slice(0, 8)).toBe('00 20 20');
      expect(send('00 80 00 80')).toBe(first); // R(0): "send N(S)=0 again"
      expect(card.log.at(-1)).toMatchObject({ kind: 'sent', retransmission: true });
      expect(send('00 90 00 90')?.slice(0, 8)).toBe('00 40 0A'); // R(1) acknowledges: last chunk
    });
    it('refuses an I-block from the host while it chains its own response', () => {
      const { send } = ecard({ other: () => bytes(40) });
      send('00 00 05 00 B0 00 00 00 B5');
      expect(send('00 40 01 00 41')).toBe('00 92 00 92');
    });
  });

  describe('invalid blocks from the host', () => {
    it('answers a bad EDC with R(N(R), EDC error) and does not call the handler', () => {
      const { send, calls } = ecard();
      expect(send('00 00 05 00 84 00 00 08 00')).toBe('00 81 00 81');
      expect(calls).toEqual([]);
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
    });
    it('answers a bad PCB, a bad length or LEN FF with R(N(R), other error)', () => {
      const { send, calls } = ecard();
      expect(send('00 01 00 01')).toBe('00 82 00 82');
      expect(send('00 00 05 00 84 89')).toBe('00 82 00 82');
      expect(send('00 00 FF FF')).toBe('00 82 00 82');
      expect(calls).toEqual([]);
    });
    it('refuses an I-block with the wrong N(S), so a repeated command is never executed twice', () => {
      const { send, calls, card } = ecard();
      send('00 00 05 00 84 00 00 08 89');
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 92 00 92'); // expects N(S)=1
      expect(calls.length).toBe(1);
      expect(card.log).toContainEqual(expect.objectContaining({ kind: 'rejected', reason: 'sequence' }));
    });
    it('refuses an I-block longer than its IFSC', () => {
      const { send, calls } = ecard({ ifsc: 4 });
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 82 00 82');
      expect(calls).toEqual([]);
    });
    it('refuses S-blocks a host may not send', () => {
      const { send } = ecard();
      expect(send('00 C3 01 02 C0')).toBe('00 82 00 82'); // S(WTX request)
      expect(send('00 E1 01 20 C0')).toBe('00 82 00 82'); // S(IFS response) nobody asked for
    });
  });

  describe('R-blocks after the response', () => {
    it('retransmits its last I-block when the host asks for it, without calling the handler again', () => {
      const { send, calls } = ecard();
      const answer = send('00 00 05 00 84 00 00 08 89');
      expect(send('00 81 00 81')).toBe(answer); // R(0, EDC error)
      expect(send('00 82 00 82')).toBe(answer); // R(0, other error)
      expect(calls.length).toBe(1);
    });
    it('refuses an R-block that acknowledges an unchained block', () => {
      const { send } = ecard();
      send('00 00 05 00 84 00 00 08 89');
      expect(send('00 90 00 90')).toBe('00 92 00 92');
    });
    it('repeats its R-block when the host asks during the host chain', () => {
      const { send } = ecard({ ifsc: 4 });
      expect(send('00 20 04 00 20 00 01 05')).toBe('00 90 00 90');
      expect(send('00 80 00 80')).toBe('00 90 00 90');
    });
  });

  describe('RESYNCH', () => {
    it('answers S(RESYNCH response) and restarts both sequence numbers at 0', () => {
      const { send, calls } = ecard();
      send('00 00 05 00 84 00 00 08 89');
      expect(send('00 C0 00 C0')).toBe('00 E0 00 E0');
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(calls.length).toBe(2);
    });
    it('takes IFSD back to 32 and drops a chain in progress', () => {
      const { card, send } = ecard({ ifsc: 4, other: () => bytes(100) });
      send('00 C1 01 FE 3E');
      send('00 20 04 00 B0 00 00 94');
      expect(send('00 C0 00 C0')).toBe('00 E0 00 E0');
      const blocks = hostExchange(card, fromHex('00 B0 00 00'), 0, 4);
      expect(blocks[0]?.inf.length).toBe(32);
      expect(apduCount(card)).toBe(1);
      expect(card.log.filter((e) => e.kind === 'apdu').map((e) => e.kind === 'apdu' && toHex(e.command))).toEqual(['00 B0 00 00']);
    });
  });

  describe('faults', () => {
    it('corruptNextEdc: flips the EDC once; the retransmission on R(EDC error) is clean', () => {
      const { card, send, calls } = ecard();
      card.faults.corruptNextEdc();
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 6D');
      expect(send('00 81 00 81')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(calls.length).toBe(1);
      expect(card.log).toContainEqual({ kind: 'fault', fault: 'corrupt-edc' });
    });
    it('corruptNextEdc with CRC flips both EDC bytes', () => {
      const card = createT1Card({ atr: CRC_ATR, apdu: () => fromHex('90 00') });
      card.faults.corruptNextEdc();
      const answer = card.transmitBlock(encodeT1Block(iBlock(0, fromHex('00 A4 00 00')), 'crc')) ?? new Uint8Array();
      const good = encodeT1Block(iBlock(0, fromHex('90 00')), 'crc');
      expect(toHex(answer.subarray(0, 5))).toBe(toHex(good.subarray(0, 5)));
      expect(toHex(answer.subarray(5))).toBe(toHex(good.subarray(5).map((b) => b ^ 0xff)));
    });
    it('loseNextBlock: answers nothing once, then retransmits on the host R-block', () => {
      const { card, send, calls } = ecard();
      card.faults.loseNextBlock();
      expect(send('00 00 05 00 84 00 00 08 89')).toBeNull();
      expect(send('00 82 00 82')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(calls.length).toBe(1);
      expect(card.log).toContainEqual(expect.objectContaining({ kind: 'sent', bytes: null }));
    });
    it('requestWtx: asks S(WTX request) the given number of times before answering', () => {
      const { card, send, calls } = ecard();
      card.faults.requestWtx(2, 2);
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 C3 01 02 C0');
      expect(send('00 E3 01 02 E0')).toBe('00 C3 01 02 C0');
      expect(send('00 E3 01 02 E0')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(calls.length).toBe(1);
      expect(card.log.filter((e) => e.kind === 'fault' && e.fault === 'wtx-request').length).toBe(2);
    });
    it('requestWtx: repeats the request when the answer is wrong or garbled', () => {
      const { card, send } = ecard();
      card.faults.requestWtx(3);
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 C3 01 03 C1');
      expect(send('00 E3 01 02 E0')).toBe('00 C3 01 03 C1'); // wrong multiplier echoed
      expect(send('00 E3 01 03 00')).toBe('00 C3 01 03 C1'); // bad EDC
      expect(send('00 E3 01 03 E1')?.slice(0, 8)).toBe('00 00 0A');
    });
    it('requestIfs: sends S(IFS request), then enforces the new IFSC', () => {
      const { card, send, calls } = ecard();
      card.faults.requestIfs(4);
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 C1 01 04 C4');
      expect(send('00 E1 01 04 E4')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(send('00 40 05 00 84 00 00 08 C9')).toBe('00 92 00 92'); // 5 bytes > IFSC 4
      expect(calls.length).toBe(1);
      expect(card.log).toContainEqual({ kind: 'ifsc', size: 4 });
    });
    it('setIfsc: refuses larger I-blocks at once, accepts a chain of small ones', () => {
      const { card, calls } = ecard();
      card.faults.setIfsc(2);
      expect(toHex(card.transmitBlock(fromHex('00 00 03 00 A4 00 A7')) ?? new Uint8Array())).toBe('00 82 00 82');
      const blocks = hostExchange(card, fromHex('00 A4 00 00'), 0, 2);
      expect(toHex(blocks[0]?.inf ?? new Uint8Array())).toBe('90 00');
      expect(calls).toEqual(['00 A4 00 00']);
    });
    it('mute: no answer and no state change until unmute', () => {
      const { card, send, calls } = ecard();
      card.faults.mute();
      expect(send('00 00 05 00 84 00 00 08 89')).toBeNull();
      expect(send('00 C0 00 C0')).toBeNull();
      card.faults.unmute();
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(calls.length).toBe(1);
    });
    it('mute after the next command: the command runs, then nothing answers until a reset', () => {
      const { card, send, calls } = ecard();
      card.faults.muteAfterNextCommand();
      expect(send('00 00 05 00 84 00 00 08 89')).toBeNull();
      expect(send('00 81 00 81')).toBeNull(); // R(N(R)=0): the host asks again, nothing comes
      expect(calls).toEqual(['00 84 00 00 08']);
      card.reset();
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      expect(calls.length).toBe(2);
    });
    it('refuses fault settings no card could have', () => {
      const { card } = ecard();
      expect(() => card.faults.requestWtx(0)).toThrow(VirtualCardConfigError);
      expect(() => card.faults.requestIfs(255)).toThrow(VirtualCardConfigError);
      expect(() => card.faults.setIfsc(0)).toThrow(VirtualCardConfigError);
      expect(() => createT1Card({ atr: ECARD_ATR, apdu: () => fromHex('90 00'), ifsc: 300 })).toThrow(VirtualCardConfigError);
    });
  });

  describe('reset and APDU level', () => {
    it('reset restarts sequence numbers, IFSD and IFSC', () => {
      const { card, send } = ecard();
      send('00 C1 01 FE 3E');
      send('00 00 05 00 84 00 00 08 89');
      card.reset();
      expect(send('00 00 05 00 84 00 00 08 89')).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
    });
    it('transmitApdu calls the handler directly and logs it', () => {
      const { card, calls } = ecard();
      expect(toHex(card.transmitApdu(fromHex('00 84 00 00 08')))).toBe(toHex(CHALLENGE));
      expect(calls.length).toBe(1);
      expect(apduCount(card)).toBe(1);
    });
  });

  describe('t1BlockLevelOf', () => {
    it('wraps an APDU-only card with the T=1 parameters of its ATR, and resets that wrapper', () => {
      const level = t1BlockLevelOf(createApduCard({ atr: ECARD_ATR, apdu: () => CHALLENGE }));
      const answer = (): string => toHex(level.transmitBlock(fromHex('00 00 05 00 84 00 00 08 89')) ?? new Uint8Array());
      expect(answer()).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92');
      level.resetLink();
      expect(answer()).toBe('00 00 0A 01 02 03 04 05 06 07 08 90 00 92'); // N(S) 0 again
    });
    it('uses the block level of a card that has one', () => {
      const { card } = ecard();
      const level = t1BlockLevelOf(card);
      level.transmitBlock(fromHex('00 00 05 00 84 00 00 08 89'));
      expect(card.log.map((e) => e.kind)).toEqual(['received', 'apdu', 'sent']);
    });
  });
});

describe('createT1Card under random and mutated blocks (fast-check)', () => {
  const arbInf = fc.uint8Array({ maxLength: 24 });
  const arbBit = fc.constantFrom<0 | 1>(0, 1);
  const arbValidBlock = fc.oneof(
    fc.record({ ns: arbBit, more: fc.boolean(), inf: arbInf }).map((b) => iBlock(b.ns, b.inf, b.more)),
    fc.record({ nr: arbBit, error: fc.constantFrom<RBlockError>('none', 'edc', 'other') }).map((b) => rBlock(b.nr, b.error)),
    fc
      .record({
        kind: fc.constantFrom<SBlockKind>('resynch', 'ifs', 'abort', 'wtx'),
        response: fc.boolean(),
        value: fc.integer({ min: 1, max: 254 }),
      })
      .map((b) => sBlock(b.kind, b.response, b.kind === 'ifs' || b.kind === 'wtx' ? Uint8Array.of(b.value) : new Uint8Array(0))),
  );
  const arbMutation = fc.oneof(
    fc.constant({ type: 'none' as const }),
    fc.record({ type: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ type: fc.constant('cut' as const), keep: fc.nat() }),
    fc.record({ type: fc.constant('append' as const), byte: fc.integer({ min: 0, max: 255 }) }),
  );
  type Mutation = typeof arbMutation extends fc.Arbitrary<infer M> ? M : never;
  const arbFault = fc.constantFrom('corrupt', 'lose', 'wtx', 'ifs', 'none');
  const arbStep = fc.oneof(
    { arbitrary: fc.record({ valid: arbValidBlock, mutation: arbMutation }), weight: 6 },
    { arbitrary: fc.record({ raw: fc.uint8Array({ maxLength: 12 }) }), weight: 1 },
    { arbitrary: fc.record({ fault: arbFault }), weight: 1 },
  );

  function mutate(block: Uint8Array, m: Mutation): Uint8Array {
    if (m.type === 'none') return block;
    if (m.type === 'cut') return block.slice(0, m.keep % (block.length + 1));
    if (m.type === 'append') return Uint8Array.of(...block, m.byte);
    const out = block.slice();
    const at = m.at % out.length;
    out[at] = (out[at] ?? 0) ^ (1 << m.bit);
    return out;
  }

  /** Independent of the codec: for LRC, a block is intact when all its bytes XOR to zero. */
  const lrcIntact = (b: Uint8Array): boolean => b.length >= 4 && b.reduce((x, y) => x ^ y, 0) === 0;

  function property(edc: Edc, intact: (b: Uint8Array) => boolean) {
    return fc.property(fc.array(arbStep, { minLength: 1, maxLength: 10 }), (steps) => {
      let handlerCalls = 0;
      const card = createT1Card({
        atr: ECARD_ATR,
        edc,
        ifsc: 16,
        apdu: (command) => {
          handlerCalls++;
          return concatBytes([command, fromHex('90 00')]);
        },
      });
      for (const step of steps) {
        if ('fault' in step) {
          if (step.fault === 'corrupt') card.faults.corruptNextEdc();
          if (step.fault === 'lose') card.faults.loseNextBlock();
          if (step.fault === 'wtx') card.faults.requestWtx(1);
          if (step.fault === 'ifs') card.faults.requestIfs(8);
          continue;
        }
        const input = 'raw' in step ? step.raw : mutate(encodeT1Block(step.valid, edc), step.mutation);
        const before = handlerCalls;
        try {
          card.transmitBlock(input);
        } catch (e) {
          // Never an untyped error; in fact never any error for bytes from the host.
          expect(e).toBeInstanceOf(CcidError);
          throw e;
        }
        if (handlerCalls > before) {
          expect(intact(input)).toBe(true);
          expect((input[1] ?? 0xff) & 0xa0).toBe(0); // an I-block without the more bit
        }
      }
      // Every block the card sent decodes to what it meant to send, except one right after corrupt-edc.
      let corrupted = false;
      for (const entry of card.log) {
        if (entry.kind === 'fault' && entry.fault === 'corrupt-edc') corrupted = true;
        if (entry.kind === 'sent' && entry.bytes !== null) {
          if (!corrupted) expect(decodeT1Block(entry.bytes, edc)).toEqual(entry.block);
          corrupted = false;
        }
      }
    });
  }

  it('never throws and never calls the handler for a block with a bad LRC (10,000 runs)', () => {
    fc.assert(property('lrc', lrcIntact), { seed: 1234, numRuns: 10_000 });
  });
  it('never throws and never calls the handler for a block with a bad CRC (3,000 runs)', () => {
    const crcIntact = (b: Uint8Array): boolean => {
      try {
        decodeT1Block(b, 'crc');
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(property('crc', crcIntact), { seed: 4321, numRuns: 3_000 });
  });
});

describe('a card without a block log (log: false)', () => {
  it('answers the same and keeps no entry of what it received, sent or ran', () => {
    const handler = recordingHandler();
    const card = createT1Card({ atr: ECARD_ATR, apdu: handler.apdu, log: false });
    const pinApdu = fromHex('00 20 00 01 04 37 33 39 35');
    const [answer] = hostExchange(card, pinApdu, 0, 32);
    expect(answer && toHex(answer.inf)).toBe('90 00');
    expect(handler.calls).toEqual(['00 20 00 01 04 37 33 39 35']);
    expect(card.log).toEqual([]);
  });
});
