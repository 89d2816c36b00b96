/**
 * T=1 inside an APDU-level reader: the reader's firmware is the T=1 master (ISO/IEC 7816-3 §11)
 * toward a card that speaks only T=1, while the host sees APDUs. Its own small master, sharing no
 * code with the driver: chaining at IFSC, S(IFS request) first, WTX answered, R-block recovery
 * from bad or lost blocks, then RESYNCH, all bounded.
 *
 * On failure it throws ReaderT1LinkError (it never invents a status word such as 6F00): the
 * virtual reader maps `reason` to the bError a real reader sends (mute → ICC_MUTE,
 * garbled / protocol / resynchronised → XFR_PARITY_ERROR or HW_ERROR, the reader's choice).
 */
import { CardLinkError, MalformedDataError } from '../ccid/errors';
import { concatBytes } from '../ccid/bytes';
import { readCardAtr } from './card-atr';
import { t1BlockLevelOf } from './card-t1';
import { requireIntegerIn, type VirtualCard } from './virtual-card';
import {
  T1EdcError,
  T1_DEFAULT_IFS,
  T1_MAX_INF,
  decodeT1Block,
  encodeT1Block,
  iBlock,
  rBlock,
  sBlock,
  type Edc,
  type IBlock,
  type RBlockError,
  type T1Block,
} from './wire-t1-block';

export interface ReaderT1Options {
  /** The reader's receive size, announced by S(IFS request) before the first APDU unless it is 32. Default 254. */
  readonly ifsd?: number;
  /** The card's receive size; default: the first TA for T=1 in the ATR. */
  readonly ifsc?: number;
  /** Default: the first TC for T=1 in the ATR. */
  readonly edc?: Edc;
  /** Failed attempts at one step before RESYNCH, and RESYNCH attempts before giving up (default 3). */
  readonly maxRetries?: number;
}

export type ReaderT1Failure =
  /** The card sent nothing through all retries and RESYNCH attempts. */
  | 'mute'
  /** The card sent only invalid blocks through all retries and RESYNCH attempts. */
  | 'garbled'
  /** The card broke the protocol beyond recovery (endless WTX or chaining, S(ABORT)). */
  | 'protocol'
  /** RESYNCH succeeded, but the fate of the command is unknown, so it is not sent again. */
  | 'resynchronised';

export class ReaderT1LinkError extends CardLinkError {
  readonly reason: ReaderT1Failure;
  constructor(reason: ReaderT1Failure, message: string, options?: { cause?: unknown }) {
    super(`T=1 link: ${message}`, options);
    this.reason = reason;
  }
}

export interface ReaderT1Stats {
  readonly blocksSent: number;
  readonly retransmissions: number;
  readonly wtxRequests: number;
  readonly resynchs: number;
}

export interface ReaderT1 {
  /** Sends a command APDU and returns the card's response APDU; throws ReaderT1LinkError on a link failure. */
  transmitApdu(apdu: Uint8Array): Uint8Array;
  /** After a card reset: sequence numbers to 0, IFSC to its initial value, IFSD to be announced again. */
  reset(): void;
  readonly stats: ReaderT1Stats;
}

/** Bounds against a card that never stops (a response longer than an extended APDU, endless WTX). */
const MAX_RESPONSE = 65_538;
const MAX_CONTROL_REQUESTS = 100;

type Received = { readonly ok: true; readonly block: T1Block } | { readonly ok: false; readonly error: RBlockError; readonly mute: boolean };

export function createReaderT1(card: VirtualCard, options: ReaderT1Options = {}): ReaderT1 {
  const fromAtr = options.ifsc === undefined || options.edc === undefined ? readCardAtr(card.atr).t1 : undefined;
  const initialIfsc = options.ifsc ?? fromAtr?.ifsc ?? T1_DEFAULT_IFS;
  const edc = options.edc ?? fromAtr?.edc ?? 'lrc';
  const ifsd = options.ifsd ?? T1_MAX_INF;
  const maxRetries = options.maxRetries ?? 3;
  requireIntegerIn('IFSC', initialIfsc, 1, T1_MAX_INF);
  requireIntegerIn('IFSD', ifsd, 1, T1_MAX_INF);
  requireIntegerIn('T=1 retries', maxRetries, 0, 10);

  const level = t1BlockLevelOf(card);
  const stats = { blocksSent: 0, retransmissions: 0, wtxRequests: 0, resynchs: 0 };
  let ns: 0 | 1 = 0; // N(S) of the reader's next I-block
  let nr: 0 | 1 = 0; // N(S) expected in the card's next I-block
  let ifsc = initialIfsc;
  let ifsdAnnounced = ifsd === T1_DEFAULT_IFS;

  const toggle = (n: 0 | 1): 0 | 1 => (n ^ 1) as 0 | 1;

  function exchange(block: T1Block): Received {
    stats.blocksSent++;
    const answer = level.transmitBlock(encodeT1Block(block, edc));
    if (answer === null) return { ok: false, error: 'other', mute: true };
    try {
      return { ok: true, block: decodeT1Block(answer, edc) };
    } catch (e) {
      if (!(e instanceof MalformedDataError)) throw e;
      return { ok: false, error: e instanceof T1EdcError ? 'edc' : 'other', mute: false };
    }
  }

  /** §11.6.3.2 rule 6: S(RESYNCH request), up to maxRetries + 1 times; then give up either way. */
  function resynchronise(lastFailure: { mute: boolean }): never {
    let allMute = lastFailure.mute;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      stats.resynchs++;
      const answer = exchange(sBlock('resynch', false));
      if (answer.ok && answer.block.type === 'S' && answer.block.kind === 'resynch' && answer.block.response) {
        ns = 0;
        nr = 0;
        ifsc = initialIfsc;
        ifsdAnnounced = ifsd === T1_DEFAULT_IFS;
        throw new ReaderT1LinkError('resynchronised', 'the card was resynchronised; the command may or may not have run');
      }
      allMute &&= !answer.ok && answer.mute;
    }
    throw allMute
      ? new ReaderT1LinkError('mute', 'no answer from the card')
      : new ReaderT1LinkError('garbled', 'no valid answer from the card');
  }

  /** Announces IFSD (§11.4.2) before the first APDU; rule 7.3: the request is repeated on a bad answer. */
  function announceIfsd(): void {
    const request = sBlock('ifs', false, Uint8Array.of(ifsd));
    for (let attempt = 0; ; attempt++) {
      const answer = exchange(request);
      if (answer.ok && answer.block.type === 'S' && answer.block.kind === 'ifs' && answer.block.response && answer.block.inf[0] === ifsd) {
        ifsdAnnounced = true;
        return;
      }
      if (attempt >= maxRetries) resynchronise(answer.ok ? { mute: false } : answer);
      stats.retransmissions++;
    }
  }

  function transmitApdu(apdu: Uint8Array): Uint8Array {
    if (!ifsdAnnounced) announceIfsd();
    let sentAt = 0; // bytes of the APDU carried by acknowledged or pending I-blocks
    let lastI: IBlock | undefined; // the reader's I-block awaiting acknowledgement
    let toSend: T1Block;
    const received: Uint8Array[] = [];
    let receivedLength = 0;
    let failures = 0;
    let controls = 0;

    const nextChunk = (): IBlock => {
      const chunk = apdu.slice(sentAt, sentAt + ifsc);
      sentAt += chunk.length;
      lastI = iBlock(ns, chunk, sentAt < apdu.length);
      ns = toggle(ns);
      return lastI;
    };
    toSend = nextChunk();

    for (;;) {
      const answer = exchange(toSend);
      if (!answer.ok) {
        // Rule 7.1 / 7.2: ask for the expected block again, with the error seen.
        if (++failures > maxRetries) resynchronise(answer);
        stats.retransmissions++;
        toSend = rBlock(nr, answer.error);
        continue;
      }
      const block = answer.block;
      if (block.type === 'S' && !block.response && (block.kind === 'wtx' || block.kind === 'ifs')) {
        if (++controls > MAX_CONTROL_REQUESTS) throw new ReaderT1LinkError('protocol', `more than ${MAX_CONTROL_REQUESTS} S-requests for one APDU`);
        if (block.kind === 'wtx') stats.wtxRequests++;
        else ifsc = block.inf[0] ?? ifsc;
        toSend = sBlock(block.kind, true, block.inf); // rule 3 / rule 4: the response echoes the INF
        continue;
      }
      if (block.type === 'S' && block.kind === 'abort' && !block.response) {
        exchange(sBlock('abort', true));
        throw new ReaderT1LinkError('protocol', 'the card aborted the chain');
      }
      const chaining = lastI !== undefined && lastI.more;
      if (block.type === 'R') {
        if (chaining && lastI && block.nr !== lastI.ns && block.error === 'none') {
          failures = 0; // rule 5: acknowledged, next chunk
          toSend = nextChunk();
          continue;
        }
        if (++failures > maxRetries) resynchronise({ mute: false });
        stats.retransmissions++;
        // Rule 7.2: the card asks for a block again: the unacknowledged I-block if N(R) names it, else the last one.
        if (lastI && block.nr === lastI.ns) toSend = lastI;
        continue;
      }
      if (block.type === 'I' && !chaining && block.ns === nr && block.inf.length <= ifsd) {
        failures = 0;
        lastI = undefined; // the card's I-block acknowledges the reader's last one
        nr = toggle(nr);
        receivedLength += block.inf.length;
        if (receivedLength > MAX_RESPONSE) throw new ReaderT1LinkError('protocol', `response longer than ${MAX_RESPONSE} bytes`);
        received.push(block.inf);
        if (!block.more) return concatBytes(received);
        toSend = rBlock(nr);
        continue;
      }
      // An invalid block: wrong N(S), too long, an I-block during the reader's chain, an unasked S(response).
      if (++failures > maxRetries) resynchronise({ mute: false });
      stats.retransmissions++;
      toSend = rBlock(nr, 'other');
    }
  }

  return {
    transmitApdu,
    reset() {
      level.resetLink();
      ns = 0;
      nr = 0;
      ifsc = initialIfsc;
      ifsdAnnounced = ifsd === T1_DEFAULT_IFS;
    },
    get stats() {
      return { ...stats };
    },
  };
}
