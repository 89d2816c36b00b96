/**
 * The T=0 card the VSCard peer serves to QEMU's usb-ccid in the suite. QEMU hands the bytes of each
 * XfrBlock to the peer unchanged and returns the peer's answer unchanged (QEMU
 * hw/usb/dev-smartcard-reader.c, ccid_on_apdu_from_guest: no 61xx/6Cxx handling of its own). On this
 * TPDU-level, T=0-only reader those bytes are T=0 TPDUs — CLA INS P1 P2 P3 [data], ISO/IEC 7816-3
 * §10.3.2 — so the card answers them as a T=0 card's application layer does: a case 4 command leaves
 * its response for GET RESPONSE (61xx, §12.2.4), a case 2 command with the wrong P3 gets 6Cxx (§12.2.2).
 *
 * Application: SELECT by AID (the eCard's; P2 0C = no FCI, P2 00 = FCI via 61xx), VERIFY of PIN 01
 * without data (63Cx, x = tries left; this card checks no PIN), PUT DATA / GET DATA of object 0101.
 */
import { toHex } from '../../src/ccid';
import { concatBytes } from '../../src/ccid/bytes';
import { createApduCard, type VirtualCard } from '../../src/sim/virtual-card';
import { SELECT_ECARD_APPLICATION } from '../../cli/ecard-apdus';

export const T0_TEST_ATR = Uint8Array.of(0x3b, 0x02, 0x14, 0x50); // TS 3B, T0 02: no interface bytes → T=0; 2 historical bytes
export const ECARD_AID = SELECT_ECARD_APPLICATION.slice(5);
/** FCI returned by SELECT with P2 00: 6F { 84 AID } (ISO/IEC 7816-4 §5.3.3). */
export const TEST_FCI = concatBytes([Uint8Array.of(0x6f, ECARD_AID.length + 2, 0x84, ECARD_AID.length), ECARD_AID]);

const SW = {
  ok: [0x90, 0x00],
  wrongLength: [0x67, 0x00],
  conditionsNotSatisfied: [0x69, 0x85],
  fileNotFound: [0x6a, 0x82],
  wrongP1P2: [0x6a, 0x86],
  insNotSupported: [0x6d, 0x00],
} as const;

const INS = { verify: 0x20, select: 0xa4, getResponse: 0xc0, getData: 0xca, putData: 0xda } as const;
const DATA_OBJECT = 0x0101;

export interface T0TestCardOptions {
  /** What VERIFY without data reports (63Cx); default 3. */
  readonly triesLeft?: number;
  /** The data object 0101 before any PUT DATA. */
  readonly dataObject?: Uint8Array;
}

export function createT0TestCard(options: T0TestCardOptions = {}): VirtualCard {
  const triesLeft = options.triesLeft ?? 3;
  let dataObject = (options.dataObject ?? Uint8Array.of(0x00)).slice();
  /** Response data waiting for GET RESPONSE; any other command discards it. */
  let pending: Uint8Array | null = null;

  const answer = (tpdu: Uint8Array): Uint8Array => {
    if (tpdu.length < 5) return Uint8Array.of(...SW.wrongLength); // a T=0 header always has P3
    const [, ins = 0, p1 = 0, p2 = 0, p3 = 0] = tpdu;
    const body = tpdu.subarray(5);
    const expected = p3 === 0 ? 256 : p3; // P3 00 asks for 256 bytes (§10.3.2)
    const waiting = pending;
    pending = null;
    switch (ins) {
      case INS.select: {
        if (p1 !== 0x04 || (p2 !== 0x00 && p2 !== 0x0c)) return Uint8Array.of(...SW.wrongP1P2);
        if (body.length !== p3) return Uint8Array.of(...SW.wrongLength);
        if (toHex(body) !== toHex(ECARD_AID)) return Uint8Array.of(...SW.fileNotFound);
        if (p2 === 0x0c) return Uint8Array.of(...SW.ok);
        pending = TEST_FCI;
        return Uint8Array.of(0x61, TEST_FCI.length);
      }
      case INS.getResponse:
        if (!waiting || body.length > 0) return Uint8Array.of(...SW.conditionsNotSatisfied);
        return sendOut(waiting, expected, (rest) => { pending = rest; });
      case INS.getData:
        if (((p1 << 8) | p2) !== DATA_OBJECT) return Uint8Array.of(...SW.fileNotFound);
        if (body.length > 0) return Uint8Array.of(...SW.wrongLength);
        if (expected !== dataObject.length) return Uint8Array.of(0x6c, dataObject.length);
        return concatBytes([dataObject, Uint8Array.of(...SW.ok)]);
      case INS.putData:
        if (((p1 << 8) | p2) !== DATA_OBJECT) return Uint8Array.of(...SW.fileNotFound);
        if (p3 === 0 || body.length !== p3) return Uint8Array.of(...SW.wrongLength);
        dataObject = body.slice();
        return Uint8Array.of(...SW.ok);
      case INS.verify:
        if (p1 !== 0x00 || p2 !== 0x01) return Uint8Array.of(...SW.wrongP1P2);
        if (p3 === 0 && body.length === 0) return Uint8Array.of(0x63, 0xc0 | triesLeft);
        // The test PIN typed on the screen keypad when the PIN pad is refused (ASCII "1234").
        if (body.length === TEST_PIN.length && body.every((b, i) => b === TEST_PIN[i])) return Uint8Array.of(...SW.ok);
        return Uint8Array.of(...SW.conditionsNotSatisfied);
      default:
        return Uint8Array.of(...SW.insNotSupported);
    }
  };
  return createApduCard({ atr: T0_TEST_ATR, apdu: answer });
}

/** GET RESPONSE: 6Cxx when asked for more than waits, part + 61xx when for less (ISO/IEC 7816-4 §5.3.4). */
function sendOut(waiting: Uint8Array, expected: number, keep: (rest: Uint8Array) => void): Uint8Array {
  if (expected > waiting.length) {
    keep(waiting);
    return Uint8Array.of(0x6c, waiting.length);
  }
  if (expected < waiting.length) {
    const rest = waiting.slice(expected);
    keep(rest);
    return concatBytes([waiting.subarray(0, expected), Uint8Array.of(0x61, Math.min(rest.length, 0xff))]);
  }
  return concatBytes([waiting, Uint8Array.of(...SW.ok)]);
}

/** The PIN the suite "types" on the screen keypad, as the card compares it (ASCII digits). */
export const TEST_PIN = Uint8Array.of(0x31, 0x32, 0x33, 0x34);

/** A card that answers with the eCard's ATR (T=1 only): on a T=0-only reader it never gets a command. */
export function createEcardAtrCard(atr: Uint8Array): VirtualCard {
  return createApduCard({ atr, apdu: () => Uint8Array.of(...SW.insNotSupported) });
}
