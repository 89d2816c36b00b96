/**
 * What the host does after power-on (ISO/IEC 7816-3 §6.3 and §9; USB CCID 1.1 §5.1 dwFeatures,
 * §6.1.7 SetParameters): which protocol, whether to send a PPS, which parameters to set. Pure.
 */
import { CardNotSupportedError } from './errors';
import { toHex } from './bytes';
import { Feature } from './descriptors';
import { byteHex, type Atr, type Edc } from './atr';
import { DEFAULT_DI, DEFAULT_FI, DEFAULT_TA1, DI_CODES, baudRateDivisor, clockRateFactor } from './atr-tables';
import { encodePps } from './negotiation-pps';
import { encodeProtocolData } from './negotiation-parameters';

/** The reader's facts, from its CCID class descriptor (§5.1) and GET_DATA_RATES (§5.3.3). */
export interface ReaderCaps {
  /** From dwProtocols, e.g. [0, 1]. */
  readonly protocols: readonly number[];
  /** dwFeatures as sent. */
  readonly features: number;
  /** dwDefaultClock / dwMaximumClock, kHz. */
  readonly defaultClockKhz: number;
  readonly maxClockKhz: number;
  /** dwDataRate / dwMaxDataRate, bps. */
  readonly dataRate: number;
  readonly maxDataRate: number;
  /** GET_DATA_RATES answer in bps, [] when the reader gave none. */
  readonly dataRates: readonly number[];
  /** dwMaxIFSD. */
  readonly maxIfsd: number;
}

interface PlanCommon {
  /** PPS request to send in an XfrBlock right after the ATR, or null. */
  readonly pps: Uint8Array | null;
  /** abProtocolDataStructure for SetParameters (5 bytes T=0, 7 bytes T=1), or null: set nothing. */
  readonly parameters: Uint8Array | null;
  readonly fi: number;
  readonly di: number;
  /** The TA1-style codes of fi/di (bmFindexDindex, PPS1). */
  readonly findexDindex: number;
  readonly clockKhz: number;
  /** f · Di / Fi at clockKhz, rounded down. */
  readonly baudRate: number;
  /**
   * dwFeatures 0x40: the reader chooses protocol and speed itself; the values above are our
   * estimate of its choice, the real one is read back with GetParameters.
   */
  readonly readerNegotiates: boolean;
  /** Notes for the diagnostics screen, in the order the decisions were taken. */
  readonly reason: readonly string[];
}
export interface T0Plan extends PlanCommon {
  readonly protocol: 0;
  readonly wi: number;
}
export interface T1Plan extends PlanCommon {
  readonly protocol: 1;
  readonly ifsc: number;
  /** The IFSD the host announces: dwMaxIFSD capped at 254 (§11.4.2). */
  readonly ifsd: number;
  readonly edc: Edc;
  readonly bwi: number;
  readonly cwi: number;
  /** Send S(IFS request) first, unless the reader does it itself (dwFeatures 0x400) or works at APDU level. */
  readonly sendIfsRequest: boolean;
}
export type ProtocolPlan = T0Plan | T1Plan;

interface Speed {
  readonly findexDindex: number;
  readonly fi: number;
  readonly di: number;
  readonly baudRate: number;
}

const MAX_IFSD = 254;
const DEFAULT_IFSD = 32;
/**
 * Rates compare within ±2 %, against GET_DATA_RATES entries and dwMaxDataRate alike: readers round
 * (43010 and 43011 both stand for Fi 372 / Di 4 at 4 MHz; one announces dwMaxDataRate 21504 for
 * 21505), and 2 % over a 10-etu character stays inside the ±0.2 etu ISO 7816-3 §7.1 allows.
 */
const RATE_TOLERANCE = 0.02;

type HostProtocol = 0 | 1;
const tList = (ts: readonly number[]): string => (ts.length === 0 ? 'none' : ts.map((t) => `T=${t}`).join(', '));

/**
 * Plans protocol and speed for `atr` on a reader with `caps`. `preferred` wins among the protocols
 * both sides support (specific mode leaves no choice). Throws `CardNotSupportedError` when the
 * reader and the card have no protocol (or, in specific mode, no speed) in common.
 */
export function planProtocol(atr: Atr, caps: ReaderCaps, preferred?: number): ProtocolPlan {
  const reason: string[] = [];
  const protocol = chooseProtocol(atr, caps, preferred, reason);
  const clockKhz = caps.defaultClockKhz;
  const readerNegotiates = (caps.features & Feature.autoParameterNegotiation) !== 0;
  let speed: Speed;
  let pps: Uint8Array | null = null;

  if (readerNegotiates) {
    reason.push('The reader negotiates protocol and speed itself (dwFeatures 0x40): no PPS, no SetParameters.');
    // Our estimate of its choice; a specific-mode card runs at TA1 whatever the reader can do.
    speed = atr.specificMode === undefined ? negotiableSpeed(atr, caps, reason) : (speedOf(atr.ta1, clockKhz) ?? defaultSpeed(clockKhz));
  } else if (atr.specificMode !== undefined) {
    speed = specificModeSpeed(atr, caps, reason);
  } else {
    speed = negotiableSpeed(atr, caps, reason);
    const fasterThanDefault = speed.findexDindex !== DEFAULT_TA1;
    const otherProtocol = protocol !== atr.firstOfferedProtocol;
    if (!fasterThanDefault && !otherProtocol) {
      reason.push('Default speed and the first offered protocol: no PPS (ISO 7816-3 §6.3).');
    } else if (caps.features & Feature.autoPps) {
      reason.push('The reader makes the PPS itself from SetParameters (dwFeatures 0x80).');
    } else {
      // §9.2: PPS1 only when leaving Fd/Dd; without it the card keeps the default speed.
      pps = encodePps({ protocol, pps1: fasterThanDefault ? speed.findexDindex : undefined, pps2: undefined, pps3: undefined });
      const why = [fasterThanDefault ? 'a faster speed' : '', otherProtocol ? `T=${protocol}, not the first offered` : ''];
      reason.push(`PPS ${toHex(pps)} for ${why.filter((w) => w !== '').join(' and ')}.`);
    }
  }
  if (atr.fmaxHz !== undefined && clockKhz * 1000 > atr.fmaxHz) {
    reason.push(`The reader's clock ${clockKhz} kHz is above the card's f(max) ${atr.fmaxHz / 1000} kHz.`);
  }

  const common = { findexDindex: speed.findexDindex, convention: atr.convention, guardTimeN: atr.guardTimeN, clockStop: atr.clockStop ?? 'not-supported' } as const;
  const base = { pps, fi: speed.fi, di: speed.di, findexDindex: speed.findexDindex, clockKhz, baudRate: speed.baudRate, readerNegotiates, reason };
  if (protocol === 0) {
    const parameters = readerNegotiates ? null : encodeProtocolData({ protocol, ...common, wi: atr.t0.wi });
    return { ...base, protocol, parameters, wi: atr.t0.wi };
  }
  const { ifsc, bwi, cwi, edc } = atr.t1;
  const parameters = readerNegotiates ? null : encodeProtocolData({ protocol, ...common, edc, bwi, cwi, ifsc, nad: 0 });
  return { ...base, protocol, parameters, ifsc, ifsd: ifsdFor(caps, reason), edc, bwi, cwi, sendIfsRequest: sendsIfsRequest(caps, reason) };
}

function chooseProtocol(atr: Atr, caps: ReaderCaps, preferred: number | undefined, reason: string[]): HostProtocol {
  const usable = (t: number): t is HostProtocol => (t === 0 || t === 1) && caps.protocols.includes(t);
  const mode = atr.specificMode;
  if (mode !== undefined) {
    if (!usable(mode.protocol)) {
      throw new CardNotSupportedError(
        `The card is in specific mode for T=${mode.protocol} (TA2); the reader supports ${tList(caps.protocols)}` +
          (mode.canChange ? ' (a warm reset may put the card in negotiable mode).' : '.'),
      );
    }
    reason.push(`T=${mode.protocol}: the card is in specific mode (TA2), no PPS (ISO 7816-3 §6.3).`);
    return mode.protocol;
  }
  const common = atr.offeredProtocols.filter(usable);
  const first = common[0];
  if (first === undefined) {
    throw new CardNotSupportedError(`The card offers ${tList(atr.offeredProtocols)}; the reader supports ${tList(caps.protocols)}.`);
  }
  if (preferred !== undefined) {
    const chosen = common.find((t) => t === preferred);
    if (chosen !== undefined) {
      reason.push(`T=${chosen}: preferred by the caller.`);
      return chosen;
    }
    reason.push(`T=${preferred} was preferred but card and reader share only ${tList(common)}.`);
  }
  if (usable(atr.firstOfferedProtocol)) {
    reason.push(`T=${atr.firstOfferedProtocol}: the first protocol the card offers.`);
    return atr.firstOfferedProtocol;
  }
  reason.push(`T=${first}: the card's first protocol T=${atr.firstOfferedProtocol} is not supported by the reader.`);
  return first;
}

/** Bits per second at a clock of `clockKhz`: one etu is Fi/Di clock cycles (ISO 7816-3 §7.1). */
function baudRate(clockKhz: number, fi: number, di: number): number {
  return Math.floor((clockKhz * 1000 * di) / fi);
}

function speedOf(findexDindex: number, clockKhz: number): Speed | undefined {
  const fi = clockRateFactor(findexDindex >> 4)?.fi;
  const di = baudRateDivisor(findexDindex & 0x0f);
  if (fi === undefined || di === undefined) return undefined;
  return { findexDindex, fi, di, baudRate: baudRate(clockKhz, fi, di) };
}

function defaultSpeed(clockKhz: number): Speed {
  return { findexDindex: DEFAULT_TA1, fi: DEFAULT_FI, di: DEFAULT_DI, baudRate: baudRate(clockKhz, DEFAULT_FI, DEFAULT_DI) };
}

/** Why the reader cannot run `speed`, or undefined when it can (dwMaxDataRate, GET_DATA_RATES). */
function rateProblem(speed: Speed, caps: ReaderCaps): string | undefined {
  const rate = speed.baudRate;
  if (rate <= 0) return `no usable rate at ${caps.defaultClockKhz} kHz`;
  if (rate > caps.maxDataRate * (1 + RATE_TOLERANCE)) return `${rate} bps is above dwMaxDataRate ${caps.maxDataRate}`;
  if (caps.dataRates.length > 0 && !caps.dataRates.some((r) => Math.abs(r - rate) <= rate * RATE_TOLERANCE)) {
    return `${rate} bps is not in the reader's data rate list`;
  }
  return undefined;
}

function speedText(s: Speed): string {
  return `Fi ${s.fi} / Di ${s.di} (${s.baudRate} bps)`;
}

/**
 * Negotiable mode: TA1's Di if the reader can run it, else the next slower Di with the same Fi, and
 * so on; Fd/Dd once a candidate is no faster than Fd/Dd (a PPS would gain nothing).
 */
function negotiableSpeed(atr: Atr, caps: ReaderCaps, reason: string[]): Speed {
  const fallback = defaultSpeed(caps.defaultClockKhz);
  const { fi, di } = atr;
  if (fi === undefined || di === undefined) {
    reason.push(`TA1 ${byteHex(atr.ta1)} uses a reserved Fi/Di code: default speed ${speedText(fallback)}.`);
    return fallback;
  }
  const fiCode = atr.ta1 & 0xf0;
  for (const { code, di: slower } of [...DI_CODES].reverse()) {
    if (slower > di) continue;
    const candidate = speedOf(fiCode | code, caps.defaultClockKhz);
    if (candidate === undefined || candidate.baudRate <= fallback.baudRate) break;
    const problem = rateProblem(candidate, caps);
    if (problem === undefined) {
      reason.push(`Speed ${speedText(candidate)} at ${caps.defaultClockKhz} kHz.`);
      return candidate;
    }
    reason.push(`Not ${speedText(candidate)}: ${problem}.`);
  }
  reason.push(`Default speed ${speedText(fallback)}.`);
  return fallback;
}

/** Specific mode: the card already runs at TA1's speed (or implicit values); the reader must follow. */
function specificModeSpeed(atr: Atr, caps: ReaderCaps, reason: string[]): Speed {
  if (atr.specificMode?.parametersImplicit) {
    const fallback = defaultSpeed(caps.defaultClockKhz);
    reason.push(`TA2 says the card uses implicit Fi/Di that the ATR does not give; assuming ${speedText(fallback)}.`);
    return fallback;
  }
  const speed = speedOf(atr.ta1, caps.defaultClockKhz);
  if (speed === undefined) {
    throw new CardNotSupportedError(`The card is in specific mode with TA1 ${byteHex(atr.ta1)}, a reserved Fi/Di code.`);
  }
  const problem = speed.findexDindex === DEFAULT_TA1 ? undefined : rateProblem(speed, caps);
  if (problem !== undefined) {
    throw new CardNotSupportedError(`The card is in specific mode at ${speedText(speed)}, which the reader cannot run: ${problem}.`);
  }
  reason.push(`Speed ${speedText(speed)} as TA1 gives it (specific mode).`);
  return speed;
}

function ifsdFor(caps: ReaderCaps, reason: string[]): number {
  if (caps.maxIfsd < 1) {
    reason.push(`dwMaxIFSD is ${caps.maxIfsd}: announcing the default IFSD ${DEFAULT_IFSD}.`);
    return DEFAULT_IFSD;
  }
  return Math.min(caps.maxIfsd, MAX_IFSD);
}

function sendsIfsRequest(caps: ReaderCaps, reason: string[]): boolean {
  if (caps.features & Feature.autoIfsd) {
    reason.push('The reader sends S(IFS request) itself (dwFeatures 0x400).');
    return false;
  }
  if (caps.features & (Feature.shortApdu | Feature.extendedApdu)) {
    reason.push('APDU-level reader: it runs T=1 itself, no S(IFS request) from the host.');
    return false;
  }
  return true;
}
