/**
 * T=0 on a TPDU-level CCID reader (USB CCID 1.1 §6.1.4): the host sends CLA INS P1 P2 P3 [data] in
 * one XfrBlock; the reader handles the procedure bytes (ISO/IEC 7816-3 §10.3) and returns
 * [data] SW1 SW2. The host maps APDU cases to TPDUs as ISO/IEC 7816-3 §12.2 says (formerly
 * ISO/IEC 7816-4:1995 Annex A, "Transportation of APDU messages by T=0").
 *
 * A command carrying data (a PIN, for one) is sent once and never again: only commands without
 * command data (case 2, GET RESPONSE) are re-issued after 6Cxx. Every loop is bounded: each
 * GET RESPONSE must bring data, and at most Ne (<= 256) bytes are gathered.
 */
import { concatBytes, toHex } from './bytes';
import { CcidError, MalformedDataError } from './errors';
import { MalformedApduError, parseCommandApdu } from './command-apdu';

/** The APDU is valid but cannot be carried here (extended lengths on T=0 would need ENVELOPE). */
export class ApduNotSupportedError extends CcidError {}

export interface T0Options {
  /** CLA of GET RESPONSE; the command's own CLA by default. */
  getResponseCla?: number;
}

export type T0Exchange = (tpdu: Uint8Array) => Promise<Uint8Array>;

interface Reply {
  data: Uint8Array;
  sw1: number;
  sw2: number;
}

const GET_RESPONSE = 0xc0;

/** P3 for an expected length of 1..256 (256 is coded 00). */
const p3 = (length: number): number => length & 0xff;
/** The length that SW2 of 61xx / 6Cxx announces (00 means 256). */
const announced = (sw2: number): number => sw2 || 256;

export async function transmitT0(apdu: Uint8Array, exchange: T0Exchange, options: T0Options = {}): Promise<Uint8Array> {
  const command = parseCommandApdu(apdu);
  if (command.extended) {
    throw new ApduNotSupportedError(`T=0: extended APDU (case ${command.case}E) needs ENVELOPE, which is not supported`);
  }
  const cla = options.getResponseCla ?? command.cla;
  if (!Number.isInteger(cla) || cla < 0 || cla > 0xff) {
    throw new MalformedApduError('GET RESPONSE CLA', 0, '00..FF', String(cla));
  }
  const header = apdu.subarray(0, 4);
  const getResponse = Uint8Array.of(cla, GET_RESPONSE, 0x00, 0x00);
  const ne = command.le;

  let reply: Reply;
  switch (command.case) {
    case 1:
      return encode(await send(exchange, concatBytes([header, Uint8Array.of(0x00)]), 0)); // P3 = 00
    case 3:
      return encode(await send(exchange, apdu, 0)); // P3 = Lc
    case 2:
      reply = await withoutData(exchange, header, ne);
      break;
    case 4:
      // Sent as case 3 (no Le); never re-sent, whatever the card answers.
      reply = await send(exchange, apdu.subarray(0, apdu.length - 1), 0);
      if (reply.sw1 === 0x90 && reply.sw2 === 0x00) reply = await withoutData(exchange, getResponse, ne); // 4S.2
      else if (reply.sw1 !== 0x61) return encode(reply); // 4S.1, 4S.4: mapped unchanged
      break;
  }
  // 61xx: xx more bytes wait for GET RESPONSE; gather them up to Ne.
  const parts = [reply.data];
  let have = reply.data.length;
  while (reply.sw1 === 0x61 && have < ne) {
    reply = await withoutData(exchange, getResponse, Math.min(announced(reply.sw2), ne - have));
    if (reply.data.length === 0) break; // no progress: hand 61xx to the caller rather than loop
    parts.push(reply.data);
    have += reply.data.length;
  }
  return encode({ ...reply, data: concatBytes(parts) });
}

/**
 * A case 2 command (no command data): P3 = Ne; on 6Cxx it is issued once more with P3 = xx and
 * only the first Ne bytes are kept (§12.2, case 2S.3).
 */
async function withoutData(exchange: T0Exchange, header: Uint8Array, ne: number): Promise<Reply> {
  const first = await send(exchange, concatBytes([header, Uint8Array.of(p3(ne))]), ne);
  if (first.sw1 !== 0x6c) return first;
  const la = announced(first.sw2);
  const second = await send(exchange, concatBytes([header, Uint8Array.of(p3(la))]), la);
  return { ...second, data: second.data.slice(0, ne) };
}

async function send(exchange: T0Exchange, tpdu: Uint8Array, maxData: number): Promise<Reply> {
  const what = `T=0 response to ${toHex(tpdu.subarray(0, 5))}`;
  const bytes = await exchange(tpdu);
  if (bytes.length < 2) throw new MalformedDataError(what, bytes.length, 'SW1 SW2 at least', `${bytes.length} bytes`);
  const end = bytes.length - 2;
  if (end > maxData) throw new MalformedDataError(what, maxData, `at most ${maxData} data bytes (P3)`, `${end} bytes`);
  const sw1 = bytes[end] ?? 0;
  // §10.3.3: SW1 is '6X' (but not '60', a procedure byte) or '9X'.
  if (sw1 === 0x60 || ((sw1 & 0xf0) !== 0x60 && (sw1 & 0xf0) !== 0x90)) {
    throw new MalformedDataError(what, end, 'SW1 6X (not 60) or 9X', toHex(Uint8Array.of(sw1)));
  }
  return { data: bytes.slice(0, end), sw1, sw2: bytes[end + 1] ?? 0 };
}

function encode(reply: Reply): Uint8Array {
  return concatBytes([reply.data, Uint8Array.of(reply.sw1, reply.sw2)]);
}
