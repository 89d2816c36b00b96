/**
 * Completing a response the card left pending (ISO 7816-4 §5.1.3 and ISO 7816-3 §10.3.3 /
 * ISO 7816-4 Annex (T=0 transport)): SW1 61 → GET RESPONSE for SW2 more bytes; SW1 6C → the
 * card wants the same command with Le = SW2.
 */
import { concatBytes } from './bytes';
import { ReaderProtocolError } from './errors';
import { MAX_RESPONSE_LENGTH } from './apdu-level';

export type SendApdu = (apdu: Uint8Array) => Promise<Uint8Array>;

/** Bounded, so a card that answers 61xx forever cannot hold the desk. */
const MAX_GET_RESPONSES = 512;

/**
 * Sends `command`, then issues GET RESPONSE while the card answers 61xx and re-issues a short case-2
 * command once on 6Cxx. A command that carries data (a PIN, for one) is never sent twice: a 6Cxx to
 * it goes back to the caller.
 */
export async function sendCompletingResponse(command: Uint8Array, send: SendApdu): Promise<Uint8Array> {
  let response = await send(command);
  if (sw1(response) === 0x6c && command.length === 5) {
    const again = command.slice();
    again[4] = sw2(response);
    response = await send(again);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let round = 0; sw1(response) === 0x61; round++) {
    if (round >= MAX_GET_RESPONSES || total > MAX_RESPONSE_LENGTH) {
      throw new ReaderProtocolError(`the card kept answering 61xx after ${total} bytes`);
    }
    const data = response.subarray(0, response.length - 2);
    parts.push(data);
    total += data.length;
    // GET RESPONSE in the command's class without the chaining bit (ISO 7816-4 §5.4.1).
    const cla = (command[0] ?? 0) & ~0x10;
    response = await send(Uint8Array.of(cla, 0xc0, 0x00, 0x00, sw2(response)));
  }
  if (parts.length === 0) return response;
  parts.push(response);
  return concatBytes(parts);
}

function sw1(response: Uint8Array): number {
  return response.length >= 2 ? (response[response.length - 2] ?? 0) : -1;
}

function sw2(response: Uint8Array): number {
  return response[response.length - 1] ?? 0;
}
