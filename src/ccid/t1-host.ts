/**
 * Host side of ISO/IEC 7816-3 §11 (T=1) for a TPDU-level CCID reader: every block goes out in one
 * XfrBlock and the block the card answered comes back (USB CCID 1.1 §6.1.4).
 *
 * PIN safety. The engine never sends a command APDU to the card twice on its own:
 *  - an I-block is sent again only when the card asks for it with an R-block whose N(R) is that
 *    block's N(S), i.e. when the card says it did not receive it (§11.6.3.2 Rule 7.1 / Annex A);
 *  - once the card has answered with an I-block, nothing of the command is sent again;
 *  - when recovery fails, the link is resynchronized with S(RESYNCH) (Rule 6, Rule 7.4.2) and the
 *    APDU is NOT sent again: transmit() throws CardLinkError and the caller decides (a VERIFY that
 *    may have reached the card must not be replayed, or it may cost a PIN try);
 *  - a block a PIN pad reader built and sent for us (transmitReaderBuilt) is never sent again at all.
 * Everything is bounded: maxRetries answers without progress per block, maxWtxInARow S(WTX) in a
 * row, a response of at most 65,538 bytes. After a link error in the middle of an exchange, the
 * next call starts with S(RESYNCH), which carries no APDU.
 */
import { concatBytes } from './bytes';
import { CardLinkError, CardMuteError, CcidError } from './errors';
import { decodeBlock, encodeBlock, MAX_INF, T1BlockError } from './t1-block';
import type { T1Block, T1Edc, T1SType } from './t1-block';

export interface T1Link {
  /** Sends one whole block (prologue+INF+EDC) in one XfrBlock and returns the block the reader got back.
   *  bwiMultiplier scales the reader's block waiting time (CCID XfrBlock bBWI) after an S(WTX); it is 1 otherwise.
   *  Throws CardMuteError (src/ccid/errors) when the card sent nothing in time; other errors are fatal. */
  exchange(block: Uint8Array, bwiMultiplier: number): Promise<Uint8Array>;
}

export interface T1Options {
  /** IFSC from the ATR (TA of the first T=1 TD, 1..254; 32 when absent), §11.4.2. */
  ifsc: number;
  /** The IFSD this host announces with negotiateIfsd(), 1..254. */
  ifsd: number;
  /** From TC3 of the ATR (§11.4.4). */
  edc: T1Edc;
  /** NAD of every block sent, 0 (no addressing) by default (§11.3.2.1). */
  nad?: number;
  /** Answers without progress tolerated per block before S(RESYNCH), 3 by default (§11.6.3.2 Rule 7.4.2). */
  maxRetries?: number;
  /** S(WTX request) blocks tolerated in a row, 64 by default. */
  maxWtxInARow?: number;
}

/** The caller asked for something T=1 cannot carry: options out of range, an empty APDU. */
export class T1UsageError extends CcidError {}
/** The card ended the exchange with S(ABORT request) (§11.6.3.2 Rule 9); the command may or may not have run. */
export class T1AbortedByCardError extends CardLinkError {}

/** What a reader answered to an I-block it sent for us: the card's block, or why it sent none. */
export type ReaderBuiltAnswer = { readonly answer: Uint8Array } | { readonly notSent: CcidError };

/** Ne of at most 65,536 bytes plus SW1 SW2 (ISO/IEC 7816-4 §5.1). */
export const MAX_RESPONSE_BYTES = 65_538;

type IBlock = Extract<T1Block, { kind: 'I' }>;
type RBlock = Extract<T1Block, { kind: 'R' }>;
type Answer = { block: T1Block } | { fault: 'edc' | 'other'; cause: CcidError };

/** One block exchange in progress: what goes out next, under which wait, and the bounds so far. */
class Turn {
  next: T1Block;
  last: T1Block;
  bwi = 1;
  retries = 0;
  wtxInARow = 0;
  constructor(first: T1Block) {
    this.next = first;
    this.last = first;
  }
}

/** Sequence numbers count modulo 2 (§11.3.2.2). */
const flip = (bit: 0 | 1): 0 | 1 => (bit === 0 ? 1 : 0);

/** A valid block the card should not have sent at this point (the cause kept for the final error). */
function violation(what: string, expected: string, got: string): T1BlockError {
  return new T1BlockError('protocol', what, 1, expected, got);
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new T1UsageError(`T=1 option ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

export class T1Host {
  readonly stats = { blocksSent: 0, blocksReceived: 0 };
  private readonly link: T1Link;
  private readonly initialIfsc: number;
  private readonly ifsd: number;
  private readonly edc: T1Edc;
  private readonly nad: number;
  private readonly maxRetries: number;
  private readonly maxWtxInARow: number;
  private ifsc: number;
  /** N(S) of our next I-block; the first one is 0 (Rule 1). */
  private ns: 0 | 1 = 0;
  /** N(S) expected in the card's next I-block. */
  private nr: 0 | 1 = 0;
  /** An exchange broke off mid-way: the sequence numbers are unknown until S(RESYNCH). */
  private desynchronized = false;

  constructor(link: T1Link, options: T1Options) {
    this.link = link;
    this.initialIfsc = checkRange('ifsc', options.ifsc, 1, MAX_INF);
    this.ifsc = this.initialIfsc;
    this.ifsd = checkRange('ifsd', options.ifsd, 1, MAX_INF);
    if (options.edc !== 'lrc' && options.edc !== 'crc') {
      throw new T1UsageError(`T=1 option edc must be lrc or crc, got ${String(options.edc)}`);
    }
    this.edc = options.edc;
    this.nad = checkRange('nad', options.nad ?? 0, 0, 0xfe);
    this.maxRetries = checkRange('maxRetries', options.maxRetries ?? 3, 0, 255);
    this.maxWtxInARow = checkRange('maxWtxInARow', options.maxWtxInARow ?? 64, 0, 65_535);
  }

  /** Announces our IFSD with S(IFS request) and waits for the card's S(IFS response) echoing it (Rule 4, Rule 7.3). */
  async negotiateIfsd(): Promise<void> {
    if (this.desynchronized) await this.resynch();
    const failure = await this.request('IFS', Uint8Array.of(this.ifsd));
    if (failure) await this.abandon('T=1: the card did not answer S(IFS request)', failure);
  }

  /** S(RESYNCH request) until S(RESYNCH response), then N(S), N(R) and IFSC start over (Rule 6). Sends no APDU. */
  async resynch(): Promise<void> {
    const failure = await this.request('RESYNCH', new Uint8Array(0));
    if (failure) {
      this.desynchronized = true;
      throw new CardLinkError(`T=1: no S(RESYNCH response) after ${this.maxRetries + 1} requests`, { cause: failure });
    }
    // The card's IFSD is back to its default too: call negotiateIfsd() again for larger blocks.
    this.ns = 0;
    this.nr = 0;
    this.ifsc = this.initialIfsc;
    this.desynchronized = false;
  }

  /** Sends a whole command APDU, chained in I-blocks of at most IFSC bytes, and returns the whole response APDU. */
  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    return this.exchangeApdu(apdu);
  }

  /**
   * Sends `apdu` in one I-block that the reader sends for us (USB CCID 1.1 §6.1.11, PC_to_RDR_Secure:
   * the host gives NAD PCB LEN in bTeoPrologue; the reader inserts the PIN, sets LEN and computes the
   * EDC). `sendBlock` gets the block as this engine would send it, with the current N(S), and returns
   * the card's first answer; the rest (S(WTX), a chained answer, R-block recovery) runs here over the
   * link, and N(S)/N(R) move on as after any APDU. When the reader sent nothing, its `notSent` error is
   * thrown and the sequence numbers stay as they were. The block is never sent again (only the reader
   * holds the PIN): a card asking for it again ends in S(RESYNCH) and CardLinkError.
   */
  transmitReaderBuilt(apdu: Uint8Array, sendBlock: (block: Uint8Array) => Promise<ReaderBuiltAnswer>): Promise<Uint8Array> {
    if (apdu.length > this.ifsc) {
      return Promise.reject(new T1UsageError(`T=1: a ${apdu.length}-byte APDU cannot go in one block (IFSC ${this.ifsc}); a PIN pad block is never chained`));
    }
    return this.exchangeApdu(apdu, sendBlock);
  }

  private async exchangeApdu(apdu: Uint8Array, readerBuilt?: (block: Uint8Array) => Promise<ReaderBuiltAnswer>): Promise<Uint8Array> {
    if (apdu.length === 0) throw new T1UsageError('T=1: an empty command APDU cannot be sent');
    if (this.desynchronized) await this.resynch();
    let offset = 0;
    const nextChunk = (): IBlock => {
      const size = Math.min(this.ifsc, apdu.length - offset);
      const inf = apdu.slice(offset, offset + size);
      offset += size;
      return { kind: 'I', nad: this.nad, ns: this.ns, more: offset < apdu.length, inf };
    };
    // Our I-block the card has not acknowledged yet; none once the card answers with an I-block (Rule 2).
    let unacknowledged: IBlock | undefined = nextChunk();
    const turn = new Turn(unacknowledged);
    const response: Uint8Array[] = [];
    let responseBytes = 0;

    let via = readerBuilt;
    for (;;) {
      const answer = await this.send(turn, via);
      via = undefined;
      const block = await this.screen(answer, turn);
      if (!block) continue;
      if (unacknowledged) {
        const sent = unacknowledged;
        if (block.kind === 'R') {
          if (block.nr === sent.ns && readerBuilt) {
            return this.abandon('T=1: the card asked for the PIN pad block again', violation('T=1 R-block', `acknowledgement of I(${sent.ns})`, `request to repeat I(${sent.ns})`));
          }
          if (block.nr === sent.ns) {
            // The card asks for the block it did not get (Rule 7.1 on its side): the one repeat allowed.
            await this.retry(turn, violation('T=1 R-block', `acknowledgement of I(${sent.ns})`, `request to repeat I(${sent.ns})`));
            turn.next = sent;
          } else if (sent.more) {
            // Chaining: R(N(R) = next N(S)) acknowledges a block with M = 1 (Rule 5).
            this.ns = flip(this.ns);
            unacknowledged = nextChunk();
            this.progress(turn, unacknowledged);
          } else {
            await this.reject(turn, 'other', violation('T=1 R-block', 'an I-block answering the last block', 'an acknowledgement'));
          }
          continue;
        }
        if (sent.more) {
          await this.reject(turn, 'other', violation('T=1 block', `R-block acknowledging I(${sent.ns}) with M = 1`, 'an I-block'));
          continue;
        }
      } else if (block.kind === 'R') {
        // Our I-blocks were all acknowledged: nothing to repeat, so answer as to an invalid block (Rule 7.2).
        await this.reject(turn, 'other', violation('T=1 block', `I(${this.nr})`, `R-block N(R) = ${block.nr}`));
        continue;
      }
      if (block.ns !== this.nr) {
        await this.reject(turn, 'other', violation('T=1 I-block N(S)', String(this.nr), String(block.ns)));
        continue;
      }
      if (block.more && block.inf.length === 0) {
        // A chained block that carries nothing would let a chain run on without bound.
        await this.reject(turn, 'other', violation('T=1 I-block with M = 1', 'INF of 1..254 bytes', 'no INF'));
        continue;
      }
      if (responseBytes + block.inf.length > MAX_RESPONSE_BYTES) {
        this.desynchronized = true;
        throw new CardLinkError(`T=1: the card's response exceeds ${MAX_RESPONSE_BYTES} bytes`, {
          cause: violation('T=1 response chain', `at most ${MAX_RESPONSE_BYTES} bytes`, `${responseBytes + block.inf.length} bytes`),
        });
      }
      if (unacknowledged) {
        // The card's first I-block acknowledges our last one (Rule 2).
        this.ns = flip(this.ns);
        unacknowledged = undefined;
      }
      this.nr = flip(this.nr);
      response.push(block.inf);
      responseBytes += block.inf.length;
      if (!block.more) return concatBytes(response);
      this.progress(turn, { kind: 'R', nad: this.nad, nr: this.nr, error: 'none' }); // Rule 5
    }
  }

  /**
   * Sends turn.next over the link, or through `via` (a reader that builds the block itself); a WTX
   * multiplier applies to this one wait only (Rule 3).
   */
  private async send(turn: Turn, via?: (block: Uint8Array) => Promise<ReaderBuiltAnswer>): Promise<Answer> {
    const bytes = encodeBlock(turn.next, this.edc);
    const bwi = turn.bwi;
    turn.last = turn.next;
    turn.bwi = 1;
    let result: ReaderBuiltAnswer;
    try {
      result = via ? await via(bytes) : { answer: await this.link.exchange(bytes, bwi) };
    } catch (error) {
      this.stats.blocksSent += 1;
      // No block within BWT counts as an invalid block, reported as "other error" (Rule 7.1).
      if (error instanceof CardMuteError) return { fault: 'other', cause: error };
      this.desynchronized = true;
      throw error;
    }
    // The reader sent no block (it refused the command, the user cancelled): the link is as it was.
    if ('notSent' in result) throw result.notSent;
    this.stats.blocksSent += 1;
    this.stats.blocksReceived += 1;
    try {
      return { block: decodeBlock(result.answer, this.edc) };
    } catch (error) {
      if (error instanceof T1BlockError) return { fault: error.fault === 'edc' ? 'edc' : 'other', cause: error };
      throw error;
    }
  }

  /**
   * Handles what every state of an exchange handles alike: invalid blocks and S-blocks. Returns the
   * I- or R-block left for the caller, or nothing when turn.next is already chosen.
   */
  private async screen(answer: Answer, turn: Turn): Promise<IBlock | RBlock | undefined> {
    if ('fault' in answer) {
      turn.wtxInARow = 0;
      await this.reject(turn, answer.fault, answer.cause);
      return undefined;
    }
    const { block } = answer;
    if (block.kind === 'S' && block.type === 'WTX' && !block.response) {
      turn.wtxInARow += 1;
      if (turn.wtxInARow > this.maxWtxInARow) {
        this.desynchronized = true;
        throw new CardLinkError(`T=1: more than ${this.maxWtxInARow} S(WTX request) in a row`, {
          cause: violation('T=1 S(WTX request)', `at most ${this.maxWtxInARow} in a row`, String(turn.wtxInARow)),
        });
      }
      // Rule 3: echo the multiplier; the card's time starts again, BWT times the multiplier.
      turn.next = { kind: 'S', nad: this.nad, type: 'WTX', response: true, inf: block.inf };
      turn.bwi = block.inf[0] ?? 1;
      return undefined;
    }
    turn.wtxInARow = 0;
    if (block.kind !== 'S') return block;
    if (block.type === 'IFS' && !block.response) {
      // Rule 4: the card announces a new IFSC; later chunks use it. Counted, so it cannot go on forever.
      await this.retry(turn, violation('T=1 S(IFS request)', 'progress', 'another S(IFS request)'));
      this.ifsc = block.inf[0] ?? this.ifsc;
      turn.next = { kind: 'S', nad: this.nad, type: 'IFS', response: true, inf: block.inf };
      return undefined;
    }
    if (block.type === 'ABORT' && !block.response) {
      // Rule 9: acknowledge; the rest of the exchange is void, so the next call resynchronizes first.
      this.desynchronized = true;
      turn.next = { kind: 'S', nad: this.nad, type: 'ABORT', response: true, inf: new Uint8Array(0) };
      await this.send(turn);
      throw new T1AbortedByCardError('T=1: the card aborted the exchange with S(ABORT request)');
    }
    // Responses we did not ask for, and S(RESYNCH request), which only the interface device sends (Rule 6).
    const got = `S(${block.type} ${block.response ? 'response' : 'request'})`;
    await this.reject(turn, 'other', violation('T=1 S-block', 'an I- or R-block', got));
    return undefined;
  }

  /** Rule 7.1: an R-block asking for the expected I-block with the error bits; Rule 7.2: or our R-block again. */
  private async reject(turn: Turn, fault: 'edc' | 'other', cause: CcidError): Promise<void> {
    await this.retry(turn, cause);
    turn.next = turn.last.kind === 'R' ? turn.last : { kind: 'R', nad: this.nad, nr: this.nr, error: fault };
  }

  private async retry(turn: Turn, cause: CcidError): Promise<void> {
    turn.retries += 1;
    if (turn.retries > this.maxRetries) {
      await this.abandon(`T=1: no progress after ${this.maxRetries} repeated blocks`, cause);
    }
  }

  private progress(turn: Turn, next: T1Block): void {
    turn.retries = 0;
    turn.next = next;
  }

  /** Rule 7.4.2: resynchronize, then give up; the APDU is never sent again from here (PIN safety). */
  private async abandon(message: string, cause: CcidError): Promise<never> {
    try {
      await this.resynch();
    } catch (error) {
      if (!(error instanceof CardLinkError)) throw error;
      throw new CardLinkError(`${message} (${cause.message}); S(RESYNCH) failed as well`, { cause: error });
    }
    throw new CardLinkError(`${message}; the link was resynchronized and the command was not sent again`, { cause });
  }

  /** Rule 7.3: an S(request) is sent again until its S(response) comes, up to maxRetries repeats. */
  private async request(type: T1SType, inf: Uint8Array): Promise<CcidError | undefined> {
    const turn = new Turn({ kind: 'S', nad: this.nad, type, response: false, inf });
    let cause: CcidError | undefined;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      const answer = await this.send(turn);
      if ('fault' in answer) {
        cause = answer.cause;
        continue;
      }
      const { block } = answer;
      if (block.kind === 'S' && block.type === type && block.response && block.inf[0] === inf[0]) return undefined;
      cause = violation(`T=1 answer to S(${type} request)`, `S(${type} response)${inf.length ? ` ${inf[0]}` : ''}`, blockName(block));
    }
    return cause;
  }
}

function blockName(block: T1Block): string {
  switch (block.kind) {
    case 'I':
      return `I(${block.ns}${block.more ? ', M' : ''})`;
    case 'R':
      return `R(${block.nr}${block.error === 'none' ? '' : `, ${block.error}`})`;
    case 'S':
      return `S(${block.type} ${block.response ? 'response' : 'request'}${block.inf.length ? ` ${block.inf[0]}` : ''})`;
  }
}
