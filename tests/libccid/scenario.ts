/**
 * What libccid (through pcscd and the PC/SC API) is asked to do with each exported reader, and what
 * our own driver is asked to do with the same reader: the card script of the eCard procedures.
 * Runs inside the QEMU guest.
 */
import { CcidReader, toHex, type CcidSlot } from '../../src/ccid';
import { buildCommandApdu, changePinApdu, ecardAtr, selectEcardApdu, triesLeftApdu, verifyPinApdu } from '../../src/card';
import { pinpadSource, type PinCommand, type PinSource } from '../../src/flows';
import { createCasConsole, createT1Card, createVirtualEcard, type T1Card, type VirtualEcard, type VirtualReader } from '../../src/sim';
import { findCcidCandidates } from '../../cli/node-usb';
import { check } from '../support/guest-report';
import type { Connection, PcscClient } from '../pcsc-bridge/pcsc';
import type { ExportedReader } from '../usbip/server';

export const HOLDER_PIN = '1234';
export const NEW_PIN = '2468';
export const RESET_PIN = '0000';
export const CHOSEN_PIN = '1357';

/** The procedures' PIN commands, as src/flows sends them (pin-source.ts). */
export const PIN_COMMANDS = {
  verify: { kind: 'verify', prompt: 'pin', length: 4 },
  reset: { kind: 'reset', length: 4 },
  change: { kind: 'change', currentPrompt: 'current', currentLength: 4, newLength: 4 },
} as const satisfies Record<string, PinCommand>;
export type PinOperation = keyof typeof PIN_COMMANDS;

/** PC_to_RDR_Secure messages (bMessageType 0x69) the reader received so far, oldest first. */
export function secureMessages(exported: ExportedReader): Uint8Array[] {
  return exported.bus?.bulkOut.filter((m) => m[0] === 0x69) ?? [];
}

export function sw(response: Uint8Array): string {
  return toHex(response.subarray(-2), '');
}

/**
 * An eCard stand-in for the chaining checks: the eCard's ATR (T=1), answering 9000 to anything and
 * logging each whole APDU it got (its T=1 layer reassembles chained blocks first).
 */
export function recordingT1Card(): T1Card {
  return createT1Card({ atr: ecardAtr(), apdu: () => Uint8Array.of(0x90, 0x00) });
}

/** The APDUs the recording card received, whole. */
export function apdusReceived(card: T1Card): Uint8Array[] {
  return card.log.flatMap((entry) => (entry.kind === 'apdu' ? [entry.command] : []));
}

/** A long case 3 APDU: short (Lc 1 byte, 255 data bytes) or extended (Lc 00 hi lo, `length` bytes). */
export function longApdu(length: number, extended: boolean): Uint8Array {
  const data = Uint8Array.from({ length }, (_, i) => (i * 7 + 3) & 0xff);
  if (!extended) return buildCommandApdu([0x00, 0xd6, 0x00, 0x00], data);
  return Uint8Array.from([0x00, 0xd6, 0x00, 0x00, 0x00, length >> 8, length & 0xff, ...data]);
}

export interface EcardInReader {
  readonly card: VirtualEcard;
  unblock(): void;
}

/** Puts a fresh eCard in slot 0 (active with the holder's PIN, or blocked), replacing any card. */
export function insertEcard(reader: VirtualReader, state: 'active' | 'blocked'): EcardInReader {
  const card = state === 'active' ? createVirtualEcard({ state, pin: HOLDER_PIN }) : createVirtualEcard({ state });
  reader.remove();
  reader.insert(card);
  const cas = createCasConsole(card);
  return { card, unblock: () => check(cas.unblock() === 'unblocked', 'the CAS console unblocks the card') };
}

/* ---- our driver, over node-usb, on the reader attached in the guest ------------------------------- */

/** Opens the attached reader with our driver (node-usb's WebUSB, like the probe). */
export async function openWithOurDriver(vendorId: number, productId: number): Promise<CcidReader> {
  const candidate = findCcidCandidates().find((c) => c.vendorId === vendorId && c.productId === productId);
  check(candidate !== undefined, `our driver finds ${vendorId.toString(16)}:${productId.toString(16)} on the guest's bus`);
  return CcidReader.open(await candidate.open());
}

/** Where the flows would ask on the screen: a reader without a usable PIN pad makes the pad source fall back to it. */
export class ScreenWouldAsk extends Error {
  constructor() {
    super('no PIN pad: the flows ask on the screen');
    this.name = 'ScreenWouldAsk';
  }
}

const NO_SCREEN: PinSource = { kind: 'screen', send: () => Promise.reject(new ScreenWouldAsk()) };

/**
 * One PIN command the way the flows send it on the reader's PIN pad, the virtual keypad typing
 * `digits` at each prompt. Resolves with the card's answer.
 */
export function ourPinpadCommand(slot: CcidSlot, reader: VirtualReader, operation: PinOperation, digits: readonly string[]): Promise<Uint8Array> {
  for (const d of digits) reader.pinpad?.enter(d);
  return pinpadSource(NO_SCREEN).send(slot, PIN_COMMANDS[operation]);
}

/* ---- libccid, through pcscd ---------------------------------------------------------------------- */

/** The eCard APDU script through PC/SC: SELECT, tries left, and the plain (screen-keypad) PIN commands. */
export async function plainPinScript(pcsc: PcscClient, connection: Connection): Promise<string[]> {
  const steps: [string, Uint8Array, string][] = [
    ['SELECT', selectEcardApdu(), '9000'],
    ['VERIFY (no data)', triesLeftApdu(), '63C5'],
    [`VERIFY ${'*'.repeat(4)}`, verifyPinApdu(HOLDER_PIN), '9000'],
    ['CHANGE REFERENCE DATA', changePinApdu(HOLDER_PIN, NEW_PIN), '9000'],
    ['VERIFY (no data)', triesLeftApdu(), '9000'],
  ];
  const seen: string[] = [];
  for (const [name, apdu, expected] of steps) {
    const { data } = await pcsc.transmit(connection, apdu);
    seen.push(`${name} ${sw(data)}`);
    check(sw(data) === expected, `${name}: expected ${expected}, got ${sw(data)}`);
  }
  return seen;
}
