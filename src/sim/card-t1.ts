/**
 * The card side of T=1 (ISO/IEC 7816-3 §11) around an APDU handler: receives chained I-blocks,
 * answers R-blocks and S-blocks, detects bad blocks, and offers faults for tests. Written from the
 * standard for the simulator; it shares no code with the driver's host side.
 */
import { MalformedDataError } from '../ccid/errors';
import { concatBytes } from '../ccid/bytes';
import { readCardAtr } from './card-atr';
import { requireIntegerIn, type VirtualCard } from './virtual-card';
import {
  T1EdcError,
  T1_DEFAULT_IFS,
  T1_MAX_INF,
  decodeT1Block,
  describeT1Block,
  edcLength,
  encodeT1Block,
  iBlock,
  rBlock,
  sBlock,
  type Edc,
  type IBlock,
  type SBlock,
  type T1Block,
} from './wire-t1-block';
import { recorder } from './bounded-log';

export interface T1CardOptions {
  readonly atr: Uint8Array;
  readonly apdu: (command: Uint8Array) => Uint8Array;
  /** The card's receive size; default: the first TA for T=1 in the ATR (32 without one). */
  readonly ifsc?: number;
  /** Default: the first TC for T=1 in the ATR (LRC without one). */
  readonly edc?: Edc;
  /** Keep `log` (default true). A card that handles PINs sets false: its blocks carry them. */
  readonly log?: boolean;
}

/** Why the card refused a block it received (it answers an R-block with error bits, §11.6.3.2 rule 7). */
export type T1RejectReason = 'edc' | 'format' | 'sequence' | 'too-long' | 'unexpected';

export type T1CardLogEntry =
  | { readonly kind: 'received'; readonly bytes: Uint8Array }
  /** `bytes` as they left the card (after a corrupted EDC), null when the block was lost. */
  | { readonly kind: 'sent'; readonly block: T1Block; readonly bytes: Uint8Array | null; readonly retransmission: boolean }
  | { readonly kind: 'apdu'; readonly command: Uint8Array; readonly response: Uint8Array }
  | { readonly kind: 'rejected'; readonly reason: T1RejectReason; readonly detail: string }
  | { readonly kind: 'ifsd'; readonly size: number }
  | { readonly kind: 'ifsc'; readonly size: number }
  | { readonly kind: 'resynch' }
  | { readonly kind: 'abort' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'fault'; readonly fault: T1FaultName; readonly detail?: string };

export type T1FaultName = 'corrupt-edc' | 'lose-block' | 'wtx-request' | 'ifs-request' | 'set-ifsc' | 'mute' | 'unmute' | 'muted' | 'mute-after-command';

export interface T1CardFaults {
  /** Flip the EDC of the next block the card sends. */
  corruptNextEdc(): void;
  /** Send nothing in answer to the next block (the card's block is lost on the line). */
  loseNextBlock(): void;
  /** Before answering the next command, ask `times` S(WTX request)s with this multiplier and wait for each response. */
  requestWtx(multiplier: number, times?: number): void;
  /** Before answering the next command, send S(IFS request) and take `size` as IFSC once the host answers. */
  requestIfs(size: number): void;
  /** From now on accept only I-blocks of at most `size` bytes (the card enforces a small IFSC without announcing it). */
  setIfsc(size: number): void;
  /** No answer at all to any block until unmute(). */
  mute(): void;
  /** Run the next command, then answer nothing (its answer included) until the card is reset. */
  muteAfterNextCommand(): void;
  unmute(): void;
}

export interface T1Card extends VirtualCard {
  transmitBlock(block: Uint8Array): Uint8Array | null;
  reset(): void;
  readonly faults: T1CardFaults;
  readonly log: readonly T1CardLogEntry[];
}

/** What the card waits for after it sent an S(... request) of its own. */
interface Requesting {
  readonly name: 'requesting';
  readonly request: SBlock;
  readonly queue: readonly SBlock[];
  readonly response: Uint8Array;
}
type Phase =
  | { readonly name: 'idle' }
  | { readonly name: 'receiving'; readonly parts: readonly Uint8Array[] }
  | { readonly name: 'sending'; readonly rest: Uint8Array }
  | Requesting;

const IDLE: Phase = { name: 'idle' };

/** Wraps an APDU handler into a card that speaks T=1 blocks. */
export function createT1Card(options: T1CardOptions): T1Card {
  const atr = options.atr.slice();
  const fromAtr = options.ifsc === undefined || options.edc === undefined ? readCardAtr(atr).t1 : undefined;
  const initialIfsc = options.ifsc ?? fromAtr?.ifsc ?? T1_DEFAULT_IFS;
  const edc = options.edc ?? fromAtr?.edc ?? 'lrc';
  requireIntegerIn('IFSC', initialIfsc, 1, T1_MAX_INF);

  const log: T1CardLogEntry[] = [];
  const record = options.log === false ? () => undefined : recorder(log);
  let ifsc = initialIfsc;
  let ifsd = T1_DEFAULT_IFS;
  let cardNs: 0 | 1 = 0; // N(S) of the card's next I-block
  let hostNs: 0 | 1 = 0; // N(S) the card expects in the host's next I-block
  let phase: Phase = IDLE;
  let lastSent: T1Block | undefined;
  let unackedI: IBlock | undefined; // the card's last I-block until the host acknowledges it
  let replyNad = 0;
  // faults
  let muted = false;
  let muteAfterCommand = false;
  let mutedUntilReset = false;
  let corruptNext = false;
  let loseNext = false;
  let pendingRequests: SBlock[] = [];

  const toggle = (n: 0 | 1): 0 | 1 => (n ^ 1) as 0 | 1;

  function send(block: T1Block, retransmission = false): Uint8Array | null {
    lastSent = block;
    if (loseNext) {
      loseNext = false;
      record({ kind: 'fault', fault: 'lose-block' });
      record({ kind: 'sent', block, bytes: null, retransmission });
      return null;
    }
    const bytes = encodeT1Block(block, edc);
    if (corruptNext) {
      corruptNext = false;
      for (let i = bytes.length - edcLength(edc); i < bytes.length; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
      record({ kind: 'fault', fault: 'corrupt-edc' });
    }
    record({ kind: 'sent', block, bytes, retransmission });
    return bytes;
  }

  /** §11.6.3.2 rule 7.1: an invalid block is answered by an R-block asking for the expected I-block. */
  function reject(reason: T1RejectReason, detail: string): Uint8Array | null {
    record({ kind: 'rejected', reason, detail });
    if (phase.name === 'requesting') return send(phase.request, true); // rule 7.3: repeat the S(request)
    return send(rBlock(hostNs, reason === 'edc' ? 'edc' : 'other', replyNad));
  }

  function startSending(response: Uint8Array): Uint8Array | null {
    const rest = response.subarray(ifsd);
    const block = iBlock(cardNs, response.slice(0, ifsd), rest.length > 0, replyNad);
    cardNs = toggle(cardNs);
    unackedI = block;
    phase = rest.length > 0 ? { name: 'sending', rest } : IDLE;
    return send(block);
  }

  function resynchronise(): void {
    cardNs = 0;
    hostNs = 0;
    // Rule 6 restarts the sequence numbers; taking IFSD back to 32 too is our choice, the safe side.
    ifsd = T1_DEFAULT_IFS;
    phase = IDLE;
    unackedI = undefined;
  }

  function onIBlock(block: IBlock): Uint8Array | null {
    if (block.ns !== hostNs) return reject('sequence', `I-block N(S)=${block.ns}, expected ${hostNs}`);
    if (phase.name === 'sending') return reject('unexpected', 'I-block while the card chains its response');
    if (block.inf.length > ifsc) return reject('too-long', `I-block of ${block.inf.length} bytes, IFSC is ${ifsc}`);
    unackedI = undefined; // the host's next I-block acknowledges the card's last one
    hostNs = toggle(hostNs);
    const parts = phase.name === 'receiving' ? [...phase.parts, block.inf] : [block.inf];
    if (block.more) {
      phase = { name: 'receiving', parts };
      return send(rBlock(hostNs, 'none', replyNad));
    }
    const command = concatBytes(parts);
    const response = options.apdu(command);
    record({ kind: 'apdu', command, response: response.slice() });
    if (muteAfterCommand) {
      muteAfterCommand = false;
      muted = mutedUntilReset = true;
      record({ kind: 'fault', fault: 'mute-after-command' });
      return null;
    }
    const [first, ...queue] = pendingRequests;
    pendingRequests = [];
    if (first === undefined) return startSending(response);
    phase = { name: 'requesting', request: first, queue, response };
    return sendRequest(first);
  }

  function sendRequest(request: SBlock): Uint8Array | null {
    record({ kind: 'fault', fault: request.kind === 'wtx' ? 'wtx-request' : 'ifs-request', detail: String(request.inf[0]) });
    return send(request);
  }

  function onAwaitedResponse(state: Requesting, block: T1Block): Uint8Array | null {
    const matches =
      block.type === 'S' && block.response && block.kind === state.request.kind && block.inf[0] === state.request.inf[0];
    if (!matches) return reject('unexpected', `${describeT1Block(block)} instead of S(${state.request.kind} response)`);
    if (state.request.kind === 'ifs') {
      ifsc = state.request.inf[0] ?? ifsc;
      record({ kind: 'ifsc', size: ifsc });
    }
    const [next, ...queue] = state.queue;
    if (next === undefined) return startSending(state.response);
    phase = { ...state, request: next, queue };
    return sendRequest(next);
  }

  function onRBlock(nr: 0 | 1): Uint8Array | null {
    if (phase.name === 'sending' && nr === cardNs) return startSending(phase.rest); // acknowledgement: next chunk
    if (unackedI) {
      return nr === unackedI.ns ? send(unackedI, true) : reject('unexpected', `R-block N(R)=${nr} acknowledges an unchained block`);
    }
    if (lastSent) return send(lastSent, true);
    return reject('unexpected', 'R-block before any block was sent');
  }

  function onSBlock(block: SBlock): Uint8Array | null {
    if (block.response) return reject('unexpected', `S(${block.kind} response) the card did not ask for`);
    switch (block.kind) {
      case 'ifs':
        ifsd = block.inf[0] ?? ifsd;
        record({ kind: 'ifsd', size: ifsd });
        return send(sBlock('ifs', true, block.inf, replyNad));
      case 'abort':
        // §11.6.3.2 rule 9: the chain in progress is dropped.
        phase = IDLE;
        unackedI = undefined;
        record({ kind: 'abort' });
        return send(sBlock('abort', true, new Uint8Array(0), replyNad));
      case 'wtx':
        return reject('unexpected', 'S(WTX request) comes from the card, not the host');
      case 'resynch':
        // §11.6.3.2 rule 6: the card answers and both sides start again from N(S) = 0.
        resynchronise();
        record({ kind: 'resynch' });
        return send(sBlock('resynch', true, new Uint8Array(0), replyNad));
    }
  }

  function onBlock(block: T1Block): Uint8Array | null {
    replyNad = ((block.nad & 0x07) << 4) | ((block.nad >> 4) & 0x07); // answer to the sender: DAD and SAD swap
    const resynchRequest = block.type === 'S' && block.kind === 'resynch' && !block.response;
    if (phase.name === 'requesting' && !resynchRequest) return onAwaitedResponse(phase, block);
    switch (block.type) {
      case 'I':
        return onIBlock(block);
      case 'R':
        return onRBlock(block.nr);
      case 'S':
        return onSBlock(block);
    }
  }

  function transmitBlock(bytes: Uint8Array): Uint8Array | null {
    if (muted) {
      record({ kind: 'fault', fault: 'muted' });
      return null;
    }
    record({ kind: 'received', bytes: bytes.slice() });
    let block: T1Block;
    try {
      block = decodeT1Block(bytes, edc);
    } catch (e) {
      if (!(e instanceof MalformedDataError)) throw e;
      return reject(e instanceof T1EdcError ? 'edc' : 'format', e.message);
    }
    return onBlock(block);
  }

  const faults: T1CardFaults = {
    corruptNextEdc() {
      corruptNext = true;
    },
    loseNextBlock() {
      loseNext = true;
    },
    requestWtx(multiplier, times = 1) {
      requireIntegerIn('WTX multiplier', multiplier, 1, 0xff);
      requireIntegerIn('WTX times', times, 1, 1000);
      for (let i = 0; i < times; i++) pendingRequests.push(sBlock('wtx', false, Uint8Array.of(multiplier)));
    },
    requestIfs(size) {
      requireIntegerIn('IFS', size, 1, T1_MAX_INF);
      pendingRequests.push(sBlock('ifs', false, Uint8Array.of(size)));
    },
    setIfsc(size) {
      requireIntegerIn('IFSC', size, 1, T1_MAX_INF);
      ifsc = size;
      record({ kind: 'fault', fault: 'set-ifsc', detail: String(size) });
    },
    mute() {
      muted = true;
      record({ kind: 'fault', fault: 'mute' });
    },
    unmute() {
      muted = mutedUntilReset = false;
      record({ kind: 'fault', fault: 'unmute' });
    },
    muteAfterNextCommand() {
      muteAfterCommand = true;
    },
  };

  return {
    atr,
    transmitApdu(apdu) {
      const response = options.apdu(apdu);
      record({ kind: 'apdu', command: apdu.slice(), response: response.slice() });
      return response;
    },
    transmitBlock,
    reset() {
      if (mutedUntilReset) muted = mutedUntilReset = false;
      resynchronise();
      ifsc = initialIfsc;
      lastSent = undefined;
      replyNad = 0;
      record({ kind: 'reset' });
    },
    faults,
    log,
  };
}

/** The T=1 block level of a card, as a reader or bridge drives it. */
export interface T1BlockLevel {
  transmitBlock(block: Uint8Array): Uint8Array | null;
  /** Resets link state the card itself does not reset (only for a wrapped APDU card). */
  resetLink(): void;
}

/** A card's own block level when it has one, else createT1Card over its APDU handler and ATR. */
export function t1BlockLevelOf(card: VirtualCard): T1BlockLevel {
  const { transmitBlock } = card;
  if (transmitBlock) return { transmitBlock: (block) => transmitBlock.call(card, block), resetLink: () => undefined };
  const wrapped = createT1Card({ atr: card.atr, apdu: (command) => card.transmitApdu(command) });
  return { transmitBlock: wrapped.transmitBlock, resetLink: wrapped.reset };
}
