/**
 * APDUs on short- and extended-APDU-level readers (USB CCID 1.1 §6.1.4, XfrBlock): the reader talks
 * to the card; the host chains long APDUs by wLevelParameter and collects chained responses.
 */
import { concatBytes, hexByte } from './bytes';
import { CcidError, ReaderProtocolError } from './errors';

/** One XfrBlock round trip: data + wLevelParameter out, data + bChainParameter back. */
export type XfrBlock = (data: Uint8Array, levelParameter: number) => Promise<{ data: Uint8Array; chainParameter: number }>;

/** The APDU does not fit the reader (an extended APDU on a short-APDU reader, or too long). */
export class ApduTooLongError extends CcidError {}

/** CCID 1.1 §6.1.4 Table 6.1-3 (wLevelParameter) and §6.2.1 (bChainParameter). */
const Chain = {
  whole: 0x00,
  beginsAndContinues: 0x01,
  ends: 0x02,
  continues: 0x03,
  empty: 0x10,
} as const;

/** ISO 7816-4 §5.1: the largest response, 65,536 data bytes + SW1 SW2. */
export const MAX_RESPONSE_LENGTH = 65_538;
/** A reader that keeps chaining empty parts is stopped here. */
const MAX_RESPONSE_PARTS = 1024;
/** The largest command: extended case 4 (7 + 65,535 + 3). */
const MAX_COMMAND_LENGTH = 65_545;
/** Short APDU: 5-byte header + 255 data bytes + Le. */
const MAX_SHORT_COMMAND_LENGTH = 261;

export interface ApduLevelLimits {
  /** dwMaxCCIDMessageLength − 10: the most data one XfrBlock carries. */
  readonly maxDataLength: number;
  readonly extended: boolean;
}

/** Sends one command APDU through one or more XfrBlocks and returns the whole response. */
export async function exchangeApduLevel(apdu: Uint8Array, xfr: XfrBlock, limits: ApduLevelLimits): Promise<Uint8Array> {
  if (!limits.extended && apdu.length > Math.min(MAX_SHORT_COMMAND_LENGTH, limits.maxDataLength)) {
    throw new ApduTooLongError(`a ${apdu.length}-byte APDU does not fit a short-APDU reader`);
  }
  if (apdu.length > MAX_COMMAND_LENGTH) throw new ApduTooLongError(`a ${apdu.length}-byte APDU is longer than ISO 7816-4 allows`);
  const chunk = Math.max(1, limits.maxDataLength);
  let answer: { data: Uint8Array; chainParameter: number };
  if (apdu.length <= chunk) {
    answer = await xfr(apdu, Chain.whole);
  } else {
    answer = await sendChained(apdu, xfr, chunk);
  }
  return receiveChained(answer, xfr);
}

async function sendChained(apdu: Uint8Array, xfr: XfrBlock, chunk: number): Promise<{ data: Uint8Array; chainParameter: number }> {
  for (let at = 0; ; at += chunk) {
    const last = at + chunk >= apdu.length;
    const level = at === 0 ? Chain.beginsAndContinues : last ? Chain.ends : Chain.continues;
    const answer = await xfr(apdu.subarray(at, at + chunk), level);
    if (last) return answer;
    // CCID 1.1 §6.2.1: 0x10 = empty abData, the reader waits for the rest of the command.
    if (answer.chainParameter !== Chain.empty || answer.data.length !== 0) {
      throw new ReaderProtocolError(
        `command chaining: expected an empty answer with bChainParameter 0x10, got 0x${hexByte(answer.chainParameter)} with ${answer.data.length} bytes`,
      );
    }
  }
}

async function receiveChained(first: { data: Uint8Array; chainParameter: number }, xfr: XfrBlock): Promise<Uint8Array> {
  if (first.chainParameter === Chain.whole) return first.data;
  const parts: Uint8Array[] = [];
  let total = 0;
  let answer = first;
  for (;;) {
    parts.push(answer.data);
    total += answer.data.length;
    if (total > MAX_RESPONSE_LENGTH || parts.length > MAX_RESPONSE_PARTS) {
      throw new ReaderProtocolError(`chained response longer than ${MAX_RESPONSE_LENGTH} bytes or ${MAX_RESPONSE_PARTS} parts`);
    }
    const more = answer.chainParameter;
    if (more === Chain.ends || (more === Chain.whole && parts.length > 1)) return concatBytes(parts);
    if (more !== Chain.beginsAndContinues && more !== Chain.continues && more !== Chain.empty) {
      throw new ReaderProtocolError(`unknown bChainParameter 0x${hexByte(more)}`);
    }
    // CCID 1.1 §6.1.4: an empty XfrBlock with wLevelParameter 0x10 asks for the next part.
    answer = await xfr(new Uint8Array(0), Chain.empty);
  }
}
