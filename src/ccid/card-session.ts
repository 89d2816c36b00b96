/**
 * After power-on: read the ATR, agree protocol and speed with the card (PPS, SetParameters), and
 * pick how APDUs travel on this reader (architecture.md, "Data path of one APDU").
 */
import { exchangeApduLevel, type XfrBlock } from './apdu-level';
import { parseAtr, type Atr } from './atr';
import type { CcidClassDescriptor } from './descriptors';
import { BadParameterError, CardMuteError, CardNotSupportedError, UnsupportedReaderError } from './errors';
import { sendCompletingResponse } from './get-response';
import { planProtocol, type ProtocolPlan, type ReaderCaps } from './negotiation';
import { decodeProtocolData, encodeProtocolData } from './negotiation-parameters';
import { PpsError, validatePpsResponse } from './negotiation-pps';
import { transmitT0 } from './t0-tpdu';
import { T1Host } from './t1-host';

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
}

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
    // The reader runs the card protocol; it only needs the card's parameters (no PPS from us).
    if (plan?.parameters) await setParametersOrKeep(io, plan.protocol, plan.parameters, notes);
    const limits = { maxDataLength: descriptor.dwMaxCCIDMessageLength - 10, extended: level === 'extendedApdu' };
    return {
      atr,
      plan,
      notes,
      t1Stats: null,
      transmit: (apdu) => sendCompletingResponse(apdu, (command) => exchangeApduLevel(command, io.xfrBlock, limits)),
    };
  }
  if (!atr || !plan) throw new CardNotSupportedError('the card sent no usable ATR');
  const parameters = await agreeSpeed(io, plan, notes);
  if (parameters) await setParametersOrKeep(io, plan.protocol, parameters, notes);
  const agreed = plan.readerNegotiates ? await readBackParameters(io, notes) : plan;
  if (agreed.protocol === 0) {
    const cla = descriptor.bClassGetResponse;
    return {
      atr,
      plan,
      notes,
      t1Stats: null,
      // bClassGetResponse 0xFF: echo the command's class (CCID 1.1 §5.1).
      transmit: (apdu) =>
        transmitT0(apdu, async (tpdu) => (await io.xfrBlock(tpdu, 0)).data, cla === 0xff ? {} : { getResponseCla: cla }),
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
  return {
    atr,
    plan,
    notes,
    t1Stats: host.stats,
    transmit: (apdu) => sendCompletingResponse(apdu, (command) => host.transmit(command)),
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

/** dwFeatures 0x40: the reader chose protocol and parameters; read them back. */
async function readBackParameters(io: SessionIo, notes: string[]) {
  const { protocol, data } = await io.getParameters();
  const agreed = decodeProtocolData(protocol, data);
  notes.push(`The reader chose T=${agreed.protocol} by itself.`);
  return agreed;
}
