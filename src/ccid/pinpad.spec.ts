import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from './bytes';
import { parseCcidClassDescriptor } from './descriptors';
import { CardLinkError, PinEntryCancelledError, PinEntryTimeoutError } from './errors';
import { decodePinOperation } from './pin-structures';
import {
  PinLengthRefusedError,
  PinPadCancelledError,
  PinPadRequestError,
  PinPadTimeoutError,
  PinPadUnavailableError,
  PinsDifferError,
  pinEntryRefusal,
  pinEntryTiming,
  planModify,
  planVerify,
  refusalInAnswer,
  type ModifyPinRequest,
  type PinpadReader,
  type VerifyPinRequest,
} from './pinpad';
import { decodeBlock, encodeBlock } from './t1-block';
import { T1Host } from './t1-host';

/** OMNIKEY CardMan 3821 (076B:3821): PIN verification and modification, no quirk row. */
const CARDMAN_3821 = parseCcidClassDescriptor(
  fromHex('36210001000703000000c0120000401f000004002a0000e74c06006afe0000000700000000000000b20702000f010000ffff10020301'),
);
const CARDMAN: PinpadReader = { descriptor: CARDMAN_3821, vendorId: 0x076b, productId: 0x3821 };
const PROLOGUE = fromHex('00 40 09');

const VERIFY_4: VerifyPinRequest = { apduHeader: fromHex('00 20 00 01'), pinLength: { min: 4, max: 4 }, timeoutSeconds: 30 };
const CHANGE_4: ModifyPinRequest = {
  apduHeader: fromHex('00 24 00 01'),
  confirm: 'current-new-confirm',
  pinLength: { min: 4, max: 4 },
  messageIndexes: [0, 1, 2],
  timeoutSeconds: 30,
};

describe('planning a PIN pad verification', () => {
  it('asks for an ASCII block of exactly N digits right after Lc, N = min = max', () => {
    const plan = planVerify({ ...VERIFY_4, messageIndex: 0 }, CARDMAN);
    expect(toHex(plan.template)).toBe('00 20 00 01 04 00 00 00 00');
    expect(toHex(plan.encode(PROLOGUE))).toBe('00 1E 82 04 00 04 04 02 01 09 04 00 00 40 09 00 20 00 01 04 00 00 00 00');
  });

  it('uses the reader’s default message (bNumberMessage FF) when no index is given, and 3 digits for the transport PIN', () => {
    const plan = planVerify({ ...VERIFY_4, pinLength: { min: 3, max: 3 } }, CARDMAN);
    expect(toHex(plan.template)).toBe('00 20 00 01 03 00 00 00');
    const decoded = decodePinOperation(plan.encode(new Uint8Array(3)));
    expect(decoded.structure).toMatchObject({ numberMessage: 0xff, minDigits: 3, maxDigits: 3, block: { sizeBytes: 3 } });
  });

  it('waits for the answer beyond the user’s time: prompts × bTimeOut + 10 s, plus room for time extensions', () => {
    expect(pinEntryTiming(30, 1)).toEqual({ timeoutMs: 40_000, maxMs: 100_000 });
    expect(planModify(CHANGE_4, CARDMAN).timing).toEqual({ timeoutMs: 100_000, maxMs: 160_000 });
  });

  it.each([
    ['a header that is not CLA INS P1 P2', { ...VERIFY_4, apduHeader: fromHex('00 20 00') }, /4 bytes/],
    ['a length range (min ≠ max)', { ...VERIFY_4, pinLength: { min: 3, max: 4 } }, /min = max/],
    ['more digits than a PIN block holds', { ...VERIFY_4, pinLength: { min: 16, max: 16 } }, /1\.\.15/],
    ['no time to type', { ...VERIFY_4, timeoutSeconds: 0 }, /1\.\.255/],
    ['a message index beyond a byte', { ...VERIFY_4, messageIndex: 256 }, /messageIndex/],
  ])('refuses %s', (_name, request, message) => {
    expect(() => planVerify(request, CARDMAN)).toThrow(PinPadRequestError);
    expect(() => planVerify(request, CARDMAN)).toThrow(message);
  });

  it('says which PIN pad is unavailable: none announced, or one a quirk row forbids', () => {
    const none = { ...CARDMAN, descriptor: { ...CARDMAN_3821, pinVerify: false, pinModify: false } };
    expect(() => planVerify(VERIFY_4, none)).toThrow(expect.objectContaining({ reason: 'no-pinpad' }));
    const hp = { ...CARDMAN, vendorId: 0x03f0, productId: 0x1024 };
    expect(() => planModify(CHANGE_4, hp)).toThrow(PinPadUnavailableError);
    expect(() => planModify(CHANGE_4, hp)).toThrow(/insecure/);
  });
});

describe('planning a PIN pad modification', () => {
  it('current ‖ new: bConfirmPIN 03, the new PIN block at offset N, Lc 2N, three prompts', () => {
    const plan = planModify(CHANGE_4, CARDMAN);
    expect(toHex(plan.template)).toBe('00 24 00 01 08 00 00 00 00 00 00 00 00');
    expect(decodePinOperation(plan.encode(PROLOGUE)).structure).toMatchObject({
      confirmPin: 0x03,
      insertionOffsetOld: 0,
      insertionOffsetNew: 4,
      numberMessage: 3,
      msgIndexes: [0, 1, 2],
    });
  });

  it('new only (RESET RETRY COUNTER): bConfirmPIN 01, Lc N, two prompts', () => {
    const plan = planModify({ ...CHANGE_4, apduHeader: fromHex('00 2C 02 01'), confirm: 'new-confirm', messageIndexes: [1, 2] }, CARDMAN);
    expect(toHex(plan.template)).toBe('00 2C 02 01 04 00 00 00 00');
    expect(decodePinOperation(plan.encode(PROLOGUE)).structure).toMatchObject({ confirmPin: 0x01, insertionOffsetNew: 0, numberMessage: 2, msgIndexes: [1, 2, 0] });
  });

  it('applies the quirk rows: three indexes and bNumberMessage 3 on Gemalto, 0 and zeros on the SPR 532', () => {
    const gempc = { ...CARDMAN, vendorId: 0x08e6, productId: 0x3478 };
    const reset = { ...CHANGE_4, confirm: 'new-confirm', messageIndexes: [1, 2] } as const;
    const onGemalto = planModify(reset, gempc).encode(PROLOGUE);
    expect(toHex(onGemalto.subarray(11, 20))).toBe('03 09 04 01 02 00 00 40 09');
    const spr = { ...CARDMAN, vendorId: 0x04e6, productId: 0xe003 };
    expect(toHex(planModify(reset, spr).encode(PROLOGUE).subarray(11, 20))).toBe('00 09 04 00 00 00 00 40 09');
  });

  it('refuses message indexes that do not match the prompts', () => {
    expect(() => planModify({ ...CHANGE_4, messageIndexes: [0, 1] }, CARDMAN)).toThrow(/3 prompts/);
  });
});

describe('how a PIN entry ends without reaching the card', () => {
  it.each([
    ['64 00', PinPadTimeoutError, 'timeout'],
    ['64 01', PinPadCancelledError, 'cancelled'],
    ['64 02', PinsDifferError, 'mismatch'],
    ['64 03', PinLengthRefusedError, 'length'],
  ] as const)('reads SW %s from the reader as %s', (sw, Class, reason) => {
    const error = refusalInAnswer(fromHex(sw));
    expect(error).toBeInstanceOf(Class);
    expect(error?.statusWord).toBe(parseInt(sw.replace(' ', ''), 16));
    expect(pinEntryRefusal(error)).toBe(reason);
  });

  it('leaves the card’s own answers alone (90 00, 63 C4, 64 04, longer answers)', () => {
    for (const answer of ['90 00', '63 C4', '64 04', '00 64 00']) expect(refusalInAnswer(fromHex(answer))).toBeNull();
  });

  it('maps the bError refusals too, and nothing else', () => {
    expect(pinEntryRefusal(new PinEntryCancelledError('x', 0xef, 0))).toBe('cancelled');
    expect(pinEntryRefusal(new PinEntryTimeoutError('x', 0xf0, 0))).toBe('timeout');
    expect(pinEntryRefusal(new Error('x'))).toBeNull();
  });
});

describe('the T=1 engine and a block the PIN pad reader sends', () => {
  const host = (answers: Uint8Array[]) => {
    const sent: string[] = [];
    const t1 = new T1Host(
      {
        exchange: async (block) => {
          sent.push(toHex(block));
          const next = answers.shift();
          if (!next) throw new Error('no scripted answer');
          return next;
        },
      },
      { ifsc: 254, ifsd: 254, edc: 'lrc' },
    );
    return { t1, sent };
  };
  const block = (b: Parameters<typeof encodeBlock>[0]) => encodeBlock(b, 'lrc');

  it('hands the block with the current N(S) to the reader and moves N(S)/N(R) on after the answer', async () => {
    const { t1, sent } = host([block({ kind: 'I', nad: 0, ns: 1, more: false, inf: fromHex('90 00') })]);
    const given: string[] = [];
    const viaReader = (b: Uint8Array) => {
      given.push(toHex(b));
      return Promise.resolve({ answer: block({ kind: 'I', nad: 0, ns: 0, more: false, inf: fromHex('90 00') }) });
    };
    expect(toHex(await t1.transmitReaderBuilt(fromHex('00 20 00 01 01 00'), viaReader))).toBe('90 00');
    expect(decodeBlock(fromHex(given[0] ?? ''), 'lrc')).toMatchObject({ kind: 'I', ns: 0 });
    expect(toHex(await t1.transmit(fromHex('00 20 00 01')))).toBe('90 00');
    expect(decodeBlock(fromHex(sent[0] ?? ''), 'lrc')).toMatchObject({ kind: 'I', ns: 1 });
  });

  it('keeps N(S) when the reader sent nothing, and throws the reader’s reason', async () => {
    const { t1, sent } = host([block({ kind: 'I', nad: 0, ns: 0, more: false, inf: fromHex('90 00') })]);
    const cancelled = new PinEntryCancelledError('cancelled', 0xef, 0);
    await expect(t1.transmitReaderBuilt(fromHex('00 20 00 01 01 00'), () => Promise.resolve({ notSent: cancelled }))).rejects.toBe(cancelled);
    expect(toHex(await t1.transmit(fromHex('00 20 00 01')))).toBe('90 00');
    expect(decodeBlock(fromHex(sent[0] ?? ''), 'lrc')).toMatchObject({ kind: 'I', ns: 0 });
    expect(t1.stats.blocksSent).toBe(1);
  });

  it('never repeats the PIN block: the card asking for it again gets S(RESYNCH) and the caller a CardLinkError', async () => {
    const { t1, sent } = host([block({ kind: 'S', nad: 0, type: 'RESYNCH', response: true, inf: new Uint8Array(0) })]);
    let calls = 0;
    const viaReader = () => {
      calls++;
      return Promise.resolve({ answer: block({ kind: 'R', nad: 0, nr: 0, error: 'other' }) });
    };
    await expect(t1.transmitReaderBuilt(fromHex('00 20 00 01 01 00'), viaReader)).rejects.toBeInstanceOf(CardLinkError);
    expect(calls).toBe(1);
    expect(sent.map((b) => decodeBlock(fromHex(b), 'lrc').kind)).toEqual(['S']);
  });

  it('refuses a template that would need chaining', async () => {
    const small = new T1Host({ exchange: () => Promise.reject(new Error('unused')) }, { ifsc: 8, ifsd: 32, edc: 'lrc' });
    await expect(small.transmitReaderBuilt(new Uint8Array(9), () => Promise.reject(new Error('unused')))).rejects.toThrow(/never chained/);
  });
});
