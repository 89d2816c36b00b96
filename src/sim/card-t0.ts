/**
 * The card side of T=0 (ISO/IEC 7816-3 §10) on an APDU-level card: a TPDU (CLA INS P1 P2 P3
 * [data]) in, what the reader hands back (data and SW1 SW2) out, with the 61xx / 6Cxx rules of
 * ISO/IEC 7816-3 §10.3.3 and ISO/IEC 7816-4 §5.3.4 (case 4 by GET RESPONSE, wrong Le by 6Cxx).
 */
import { MalformedDataError } from '../ccid/errors';
import { toHex } from '../ccid/bytes';
import type { VirtualCard } from './virtual-card';
import type { WireSegment } from './wire-time';

export interface T0Answer {
  /** What the reader returns to the host: response data (if any) then SW1 SW2. */
  readonly response: Uint8Array;
  /** The characters on the line in order (header, procedure byte, data, status), for wire time. */
  readonly segments: readonly WireSegment[];
}

export interface T0CardSide {
  /** Throws MalformedDataError for a TPDU no reader may send (shorter than 5 bytes, data length ≠ P3). */
  exchange(tpdu: Uint8Array): T0Answer;
  /** Forget a response kept for GET RESPONSE. */
  reset(): void;
}

const INS_GET_RESPONSE = 0xc0;
const toCard = (count: number): WireSegment => ({ direction: 'to-card', count });
const toReader = (count: number): WireSegment => ({ direction: 'to-reader', count });
const sw = (sw1: number, sw2: number): Uint8Array => Uint8Array.of(sw1, sw2 & 0xff);

/** Data and status word of the handler's answer. */
function splitResponse(response: Uint8Array): { data: Uint8Array; status: Uint8Array } {
  if (response.length < 2) {
    throw new MalformedDataError('response APDU of the card', response.length, 'at least SW1 SW2', toHex(response) || 'nothing');
  }
  return { data: response.subarray(0, -2), status: response.subarray(-2) };
}

export function createT0CardSide(card: Pick<VirtualCard, 'transmitApdu'>): T0CardSide {
  let kept: { data: Uint8Array; status: Uint8Array } | undefined; // case 4 response waiting for GET RESPONSE

  /** Sends `ne` bytes of `data` (the card announced `data.length`), keeping the rest for GET RESPONSE. */
  function sendData(data: Uint8Array, status: Uint8Array, ne: number): T0Answer {
    const rest = data.subarray(ne);
    kept = rest.length > 0 ? { data: rest.slice(), status } : undefined;
    const word = rest.length > 0 ? sw(0x61, Math.min(rest.length, 256)) : status;
    const response = Uint8Array.of(...data.subarray(0, ne), ...word);
    return { response, segments: [toCard(5), toReader(1 + ne + 2)] }; // ACK (INS), data, SW1 SW2
  }

  function getResponse(ne: number, pending: { data: Uint8Array; status: Uint8Array }): T0Answer {
    const available = Math.min(pending.data.length, 256);
    if (ne > available) return { response: sw(0x6c, available), segments: [toCard(5), toReader(2)] };
    return sendData(pending.data, pending.status, ne);
  }

  function outgoing(header: Uint8Array, p3: number): T0Answer {
    const ne = p3 === 0 ? 256 : p3;
    // P3 = 00 is case 1 or case 2 with Le = 256 (§12.2.2); the handler gets the case 1 form.
    const apdu = p3 === 0 ? header.slice(0, 4) : header.slice(0, 5);
    const { data, status } = splitResponse(card.transmitApdu(apdu));
    if (data.length === 0) return { response: status.slice(), segments: [toCard(5), toReader(2)] };
    if (data.length === ne || (ne === 256 && data.length > 256)) return sendData(data, status, ne);
    return { response: sw(0x6c, Math.min(data.length, 256)), segments: [toCard(5), toReader(2)] };
  }

  function incoming(tpdu: Uint8Array, p3: number): T0Answer {
    const { data, status } = splitResponse(card.transmitApdu(tpdu.slice()));
    const segments = [toCard(5), toReader(1), toCard(p3), toReader(2)]; // header, ACK, data, SW1 SW2
    if (data.length === 0) return { response: status.slice(), segments };
    kept = { data: data.slice(), status: status.slice() };
    return { response: sw(0x61, Math.min(data.length, 256)), segments };
  }

  return {
    exchange(tpdu) {
      if (tpdu.length < 5) {
        throw new MalformedDataError('T=0 TPDU', tpdu.length, 'at least 5 bytes (CLA INS P1 P2 P3)', `${tpdu.length} bytes`);
      }
      const p3 = tpdu[4] ?? 0;
      const pending = kept;
      kept = undefined;
      if (tpdu.length > 5) {
        if (tpdu.length !== 5 + p3) {
          throw new MalformedDataError('T=0 TPDU P3', 4, `${tpdu.length - 5} (the data length)`, toHex(tpdu.subarray(4, 5)));
        }
        return incoming(tpdu, p3);
      }
      if (tpdu[1] === INS_GET_RESPONSE && pending) {
        kept = pending;
        return getResponse(p3 === 0 ? 256 : p3, pending);
      }
      return outgoing(tpdu, p3);
    },
    reset() {
      kept = undefined;
    },
  };
}
