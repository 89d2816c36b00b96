/**
 * What a TPDU-level reader does between its USB side and the card: the bytes of an XfrBlock go
 * to the card as they are (a PPS request, a T=1 block, or a T=0 TPDU), and the card's answer comes
 * back. The card side keeps its own rate and protocol (changed only by a PPS it accepted), the
 * reader side its own (changed only by setParameters); when they disagree the card hears noise and
 * stays mute, as on a real line. Every character is counted in wire time.
 */
import { readCardAtr, initialLink, type CardAtr } from './card-atr';
import { answerPps } from './card-pps';
import { createT0CardSide } from './card-t0';
import { t1BlockLevelOf } from './card-t1';
import { requireIntegerIn, VirtualCardConfigError, type VirtualCard } from './virtual-card';
import {
  blockWaitingSeconds,
  createWireMeter,
  isDefinedRate,
  waitingTimeSeconds,
  type Protocol,
  type WireRate,
} from './wire-time';

export interface TpduBridgeOptions {
  /** The clock the reader gives the card (CCID dwDefaultClock), in kHz. */
  readonly clockKhz: number;
  /** The reader's rate after each reset; default the card's own: Fd 372 / Dd 1 (§8.1), or TA1 in specific mode. */
  readonly fi?: number;
  readonly di?: number;
  /** The reader's extra guard time N after each reset; default TC1 of the ATR. */
  readonly extraGuardTime?: number;
  /** The card's processing time for each answer, added to wireTimeSeconds (default 0). */
  readonly processingSeconds?: number;
}

/** What the reader applies on PC_to_RDR_SetParameters. */
export interface TpduParameters {
  readonly protocol: Protocol;
  readonly fi: number;
  readonly di: number;
  readonly guardTimeN?: number;
}

export interface TpduBridgeStats {
  readonly exchanges: number;
  readonly blocks: number;
  readonly tpdus: number;
  readonly ppsRequests: number;
  /** Exchanges the card did not answer (mute card, rate or protocol mismatch, refused PPS). */
  readonly unanswered: number;
  readonly bytesToCard: number;
  readonly bytesToReader: number;
}

export interface TpduBridge {
  /**
   * One exchange with the card; null when the card stays mute. Throws MalformedDataError for a
   * T=0 TPDU no reader may send (shorter than 5 bytes, data length ≠ P3).
   */
  exchange(data: Uint8Array): Uint8Array | null;
  /** Throws VirtualCardConfigError for a protocol or rate no reader could set. */
  setParameters(parameters: TpduParameters): void;
  /** Resets the card (and the reader's side) and returns the ATR. */
  reset(): Uint8Array;
  readonly protocol: Protocol;
  /** Etu on the line so far, each counted at the rate in force when it happened. */
  readonly wireTimeEtu: number;
  readonly wireTimeSeconds: number;
  readonly stats: TpduBridgeStats;
}

const PPSS = 0xff;

interface Link {
  readonly protocol: number;
  readonly fi: number;
  readonly di: number;
}

export function createTpduBridge(card: VirtualCard, options: TpduBridgeOptions): TpduBridge {
  const atr: CardAtr = readCardAtr(card.atr);
  const cardAtReset = initialLink(atr);
  if (cardAtReset.protocol !== 0 && cardAtReset.protocol !== 1) {
    throw new VirtualCardConfigError(`TPDU bridge: the card starts in T=${cardAtReset.protocol}; only T=0 and T=1 are bridged`);
  }
  if (!(options.clockKhz > 0)) throw new VirtualCardConfigError(`TPDU bridge: clock ${options.clockKhz} kHz`);
  const readerAtReset: WireRate = {
    protocol: cardAtReset.protocol,
    fi: options.fi ?? cardAtReset.fi,
    di: options.di ?? cardAtReset.di,
    clockKhz: options.clockKhz,
    guardTimeN: options.extraGuardTime ?? atr.guardTimeN,
  };
  checkRate(readerAtReset.fi, readerAtReset.di, readerAtReset.guardTimeN);
  const processingSeconds = options.processingSeconds ?? 0;

  const t1 = t1BlockLevelOf(card);
  const t0 = createT0CardSide(card);
  const meter = createWireMeter();
  let cardLink: Link = cardAtReset;
  let reader: WireRate = readerAtReset;
  let ppsAllowed = true; // §9.1: only as the first exchange after the ATR
  const stats = { exchanges: 0, blocks: 0, tpdus: 0, ppsRequests: 0, unanswered: 0, bytesToCard: 0, bytesToReader: 0 };

  const rateAgrees = (): boolean => reader.fi === cardLink.fi && reader.di === cardLink.di;

  /** The reader sent `sent` characters and waited in vain (BWT for T=1, WT for T=0). */
  function unanswered(sent: number, protocol: Protocol): null {
    meter.exchange([{ direction: 'to-card', count: sent }], { ...reader, protocol });
    meter.wait(protocol === 1 ? blockWaitingSeconds(atr.t1.bwi, reader) : waitingTimeSeconds(atr.t0.wi, reader));
    stats.unanswered++;
    return null;
  }

  function answered(sent: number, answer: Uint8Array, protocol: Protocol): Uint8Array {
    const segments = [
      { direction: 'to-card', count: sent },
      { direction: 'to-reader', count: answer.length },
    ] as const;
    meter.exchange(segments, { ...reader, protocol });
    meter.wait(processingSeconds);
    stats.bytesToReader += answer.length;
    return answer;
  }

  function pps(request: Uint8Array): Uint8Array | null {
    stats.ppsRequests++;
    // PPS characters use the ATR's character frame (12 etu + N), counted as for T=0.
    if (!ppsAllowed || !rateAgrees()) return unanswered(request.length, 0);
    ppsAllowed = false;
    const outcome = answerPps(request, atr);
    if (!outcome.answered) return unanswered(request.length, 0);
    const { response, protocol, fi, di } = outcome.agreement;
    cardLink = { protocol, fi, di };
    return answered(request.length, response, 0);
  }

  function t1Exchange(block: Uint8Array): Uint8Array | null {
    stats.blocks++;
    const answer = t1.transmitBlock(block);
    return answer === null ? unanswered(block.length, 1) : answered(block.length, answer, 1);
  }

  function t0Exchange(tpdu: Uint8Array): Uint8Array {
    stats.tpdus++;
    const { response, segments } = t0.exchange(tpdu);
    meter.exchange(segments, reader);
    meter.wait(processingSeconds);
    for (const s of segments) if (s.direction === 'to-reader') stats.bytesToReader += s.count;
    return response;
  }

  return {
    exchange(data) {
      stats.exchanges++;
      stats.bytesToCard += data.length;
      // PPSS FF: a PPS request. FF is no valid NAD (§11.3.2.1) nor CLA (§10.3.2), so never anything else.
      if (data[0] === PPSS) return pps(data);
      ppsAllowed = false;
      if (!rateAgrees() || reader.protocol !== cardLink.protocol) return unanswered(data.length, reader.protocol);
      return reader.protocol === 1 ? t1Exchange(data) : t0Exchange(data);
    },
    setParameters(p) {
      if (p.protocol !== 0 && p.protocol !== 1) throw new VirtualCardConfigError(`TPDU bridge: protocol T=${String(p.protocol)}`);
      const guardTimeN = p.guardTimeN ?? reader.guardTimeN;
      checkRate(p.fi, p.di, guardTimeN);
      reader = { ...reader, protocol: p.protocol, fi: p.fi, di: p.di, guardTimeN };
    },
    reset() {
      card.reset?.();
      t1.resetLink();
      t0.reset();
      cardLink = cardAtReset;
      reader = readerAtReset;
      ppsAllowed = true;
      return card.atr.slice();
    },
    get protocol() {
      return reader.protocol;
    },
    get wireTimeEtu() {
      return meter.etu;
    },
    get wireTimeSeconds() {
      return meter.seconds;
    },
    get stats() {
      return { ...stats };
    },
  };
}

function checkRate(fi: number, di: number, guardTimeN: number): void {
  if (!isDefinedRate(fi, di)) throw new VirtualCardConfigError(`TPDU bridge: Fi ${fi} / Di ${di} is not in the tables of ISO/IEC 7816-3 §8.3`);
  requireIntegerIn('TPDU bridge: extra guard time N', guardTimeN, 0, 255);
}
