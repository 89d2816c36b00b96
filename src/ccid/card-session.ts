/**
 * After power-on: read the ATR, agree protocol and speed with the card (PPS, SetParameters), and
 * pick how APDUs travel on this reader (architecture.md, "Data path of one APDU").
 */
import { exchangeApduLevel, type XfrBlock } from './apdu-level';
import { parseAtr, type Atr } from './atr';
import type { CcidClassDescriptor } from './descriptors';
import { BadParameterError, CardMuteError, CardNotSupportedError, MalformedDataError, UnsupportedReaderError } from './errors';
import { sendCompletingResponse } from './get-response';
import { planProtocol, type ProtocolPlan, type ReaderCaps } from './negotiation';
import { decodeProtocolData, encodeProtocolData } from './negotiation-parameters';
import { PpsError, validatePpsResponse } from './negotiation-pps';
import { transmitT0 } from './t0-tpdu';
import { T1Host, type ReaderBuiltAnswer } from './t1-host';
import type { SendApdu } from './get-response';

/** What the session needs from its slot: CCID commands, already serialised. */
export interface SessionIo {
  xfrBlock(data: Uint8Array, levelParameter: number, options?: { bwi?: number; timeoutScale?: number }): ReturnType<XfrBlock>;
  setParameters(protocol: number, data: Uint8Array): Promise<void>;
  getParameters(): Promise<{ protocol: number; data: Uint8Array }>;
  /** Deactivates and reactivates the card (ISO 7816-3 §9.3: after a failed PPS), returning the new ATR. */
  repower(): Promise<Uint8Array>;
}

export interface CardSession {
  /** The parsed ATR; null when it could not be parsed (APDU-level readers still work). */
  readonly atr: Atr | null;
  /** The protocol and speed agreed; null where the reader handles it alone without telling. */
  readonly plan: ProtocolPlan | null;
  /** Notes for the diagnostics screen. */
  readonly notes: readonly string[];
  /** T=1 block counts on TPDU readers (blocks per APDU are checked against the minimum). */
  readonly t1Stats: { readonly blocksSent: number; readonly blocksReceived: number } | null;
  transmit(apdu: Uint8Array): Promise<Uint8Array>;
  /**
   * Sends a command APDU whose first transmission the reader makes itself (PC_to_RDR_Secure, USB
   * CCID 1.1 §6.1.11), then completes the response as transmit() does (61xx). `send` gets the APDU
   * template and the bTeoPrologue to put in the command: the T=1 prologue with the current N(S) on
   * a TPDU T=1 reader, zeros where the reader frames the APDU itself. Nothing is ever sent twice.
   */
  transmitReaderBuilt(template: Uint8Array, send: ReaderBuiltSend): Promise<Uint8Array>;
}

export type ReaderBuiltSend = (template: Uint8Array, teoPrologue: Uint8Array) => Promise<ReaderBuiltAnswer>;

/** bTeoPrologue where it is not significant (CCID 1.1 §6.1.11: only T=1 on a TPDU reader uses it). */
const NO_PROLOGUE = new Uint8Array(3);
/** NAD PCB LEN: the first three bytes of a T=1 block (ISO/IEC 7816-3 §11.3.1). */
const T1_PROLOGUE_LENGTH = 3;

const DEFAULT_SPEED = 0x11;

export function readerCaps(descriptor: CcidClassDescriptor, dataRates: readonly number[]): ReaderCaps {
  return {
    protocols: descriptor.protocols,
    features: descriptor.dwFeatures,
    defaultClockKhz: descriptor.dwDefaultClock,
    maxClockKhz: descriptor.dwMaximumClock,
    dataRate: descriptor.dwDataRate,
    maxDataRate: descriptor.dwMaxDataRate,
    dataRates,
    maxIfsd: descriptor.dwMaxIFSD,
  };
}

export async function openCardSession(
  atrBytes: Uint8Array,
  descriptor: CcidClassDescriptor,
  dataRates: readonly number[],
  io: SessionIo,
): Promise<CardSession> {
  const level = descriptor.exchangeLevel;
  if (level === 'character') {
    // The 6 character-level readers of the corpus need the host to clock every character and
    // procedure byte itself (CCID 1.1 §6.1.4); this driver does not, and says so.
    throw new UnsupportedReaderError('character-level CCID readers are not supported; use a TPDU or APDU reader');
  }
  let atr: Atr | null = null;
  try {
    atr = parseAtr(atrBytes);
  } catch (error) {
    if (level === 'tpdu') throw new CardNotSupportedError('the card sent an ATR this driver cannot read', { cause: error });
  }
  const notes: string[] = [];
  const plan = atr ? planProtocol(atr, readerCaps(descriptor, dataRates)) : null;
  if (plan) notes.push(...plan.reason);
  if (level === 'shortApdu' || level === 'extendedApdu') {
    // The reader runs the card protocol; it needs the card's parameters (never a PPS from us) unless
    // it takes them from the ATR itself (dwFeatures 0x02, CCID 1.1 §5.1): then SetParameters would
    // only repeat what it did, at the cost of a USB round trip.
    if (plan?.parameters && !descriptor.automatic.parametersFromAtr) {
      await setParametersOrKeep(io, plan.protocol, plan.parameters, notes);
    }
    const limits = { maxDataLength: descriptor.dwMaxCCIDMessageLength - 10, extended: level === 'extendedApdu' };
    const send: SendApdu = (command) => exchangeApduLevel(command, io.xfrBlock, limits);
    return {
      atr,
      plan,
      notes,
      t1Stats: null,
      transmit: (apdu) => sendCompletingResponse(apdu, send),
      transmitReaderBuilt: (template, first) => sendCompletingResponse(template, firstThen(framedByReader(first), send)),
    };
  }
  if (!atr || !plan) throw new CardNotSupportedError('the card sent no usable ATR');
  const parameters = await agreeSpeed(io, plan, notes);
  if (parameters) await setParametersOrKeep(io, plan.protocol, parameters, notes);
  const agreed = plan.readerNegotiates ? await readBackParameters(io, plan, notes) : plan;
  if (agreed.protocol === 0) {
    const cla = descriptor.bClassGetResponse;
    // bClassGetResponse 0xFF: echo the command's class (CCID 1.1 §5.1).
    const send: SendApdu = (apdu) =>
      transmitT0(apdu, async (tpdu) => (await io.xfrBlock(tpdu, 0)).data, cla === 0xff ? {} : { getResponseCla: cla });
    return {
      atr,
      plan,
      notes,
      t1Stats: null,
      transmit: send,
      // The reader sends the template as a T=0 TPDU itself; a 61xx after it is fetched as usual.
      transmitReaderBuilt: (template, first) => sendCompletingResponse(template, firstThen(framedByReader(first), send)),
    };
  }
  const host = new T1Host(
    {
      exchange: async (block, multiplier) =>
        (await io.xfrBlock(block, 0, { bwi: multiplier > 1 ? Math.min(255, multiplier) : 0, timeoutScale: multiplier })).data,
    },
    { ifsc: agreed.ifsc, ifsd: plan.protocol === 1 ? plan.ifsd : 32, edc: agreed.edc },
  );
  if (plan.protocol === 1 && plan.sendIfsRequest) await host.negotiateIfsd();
  const send: SendApdu = (command) => host.transmit(command);
  return {
    atr,
    plan,
    notes,
    t1Stats: host.stats,
    transmit: (apdu) => sendCompletingResponse(apdu, send),
    transmitReaderBuilt: (template, first) =>
      sendCompletingResponse(
        template,
        firstThen((apdu) => host.transmitReaderBuilt(apdu, (block) => first(apdu, block.subarray(0, T1_PROLOGUE_LENGTH))), send),
      ),
  };
}

/** The reader frames the APDU itself (no prologue); a refusal becomes the error it carries. */
function framedByReader(first: ReaderBuiltSend): SendApdu {
  return async (template) => {
    const result = await first(template, NO_PROLOGUE);
    if ('notSent' in result) throw result.notSent;
    return result.answer;
  };
}

/** The first command goes through `first` (the reader's PIN entry), the ones after it (GET RESPONSE) through `rest`. */
function firstThen(first: SendApdu, rest: SendApdu): SendApdu {
  let used = false;
  return (apdu) => {
    if (used) return rest(apdu);
    used = true;
    return first(apdu);
  };
}

/**
 * ISO 7816-3 §9: send the PPS the plan asks for. The card echoes it (speed accepted), answers
 * without PPS1 (default speed), or fails; after a failure the card is reset and runs at the
 * default speed. Returns the SetParameters data to use.
 */
async function agreeSpeed(io: SessionIo, plan: ProtocolPlan, notes: string[]): Promise<Uint8Array | null> {
  if (!plan.pps || !plan.parameters) return plan.parameters;
  try {
    const answer = await io.xfrBlock(plan.pps, 0);
    const outcome = validatePpsResponse(plan.pps, answer.data);
    if (outcome.findexDindex === plan.findexDindex) return plan.parameters;
    notes.push('The card kept the default speed (PPS answered without PPS1).');
    return withSpeed(plan.protocol, plan.parameters, outcome.findexDindex);
  } catch (error) {
    if (!(error instanceof PpsError) && !(error instanceof CardMuteError)) throw error;
    notes.push(`PPS failed (${error.message}); the card was reset and runs at the default speed.`);
    await io.repower();
    return withSpeed(plan.protocol, plan.parameters, DEFAULT_SPEED);
  }
}

function withSpeed(protocol: number, parameters: Uint8Array, findexDindex: number): Uint8Array {
  return encodeProtocolData({ ...decodeProtocolData(protocol, parameters), findexDindex });
}

/** CCID 1.1 §6.1.7: a reader that refuses a parameter (bError = its offset) keeps its own. */
async function setParametersOrKeep(io: SessionIo, protocol: number, data: Uint8Array, notes: string[]): Promise<void> {
  try {
    await io.setParameters(protocol, data);
  } catch (error) {
    if (!(error instanceof BadParameterError)) throw error;
    notes.push(`The reader kept its parameters (SetParameters refused offset ${error.offset}).`);
  }
}

/**
 * dwFeatures 0x40: the reader chose protocol and parameters; read them back. A reader whose answer
 * cannot be read (QEMU's usb-ccid sends dwLength 0 for its T=0 parameters) leaves the plan from the
 * ATR, which is what such a reader negotiates from.
 */
async function readBackParameters(io: SessionIo, plan: ProtocolPlan, notes: string[]) {
  let answer: { protocol: number; data: Uint8Array };
  try {
    answer = await io.getParameters();
  } catch (error) {
    if (!(error instanceof MalformedDataError)) throw error;
    notes.push(`The reader's GetParameters answer could not be read (${error.message}); the ATR's parameters are assumed.`);
    return plan;
  }
  const agreed = decodeProtocolData(answer.protocol, answer.data);
  notes.push(`The reader chose T=${agreed.protocol} by itself.`);
  return agreed;
}
