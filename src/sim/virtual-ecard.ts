/**
 * The virtual eCard: the whole card per the profile (src/card/ecard-profile.ts), speaking T=1
 * blocks like the real one, with a PIN-try ledger. Behaviour where no source says ([model]):
 * - a command before the eCard application is selected answers 6986 (no current EF);
 * - a new card (transport state) answers VERIFY, with or without data, 6984: it has no own PIN
 *   yet; only CHANGE REFERENCE DATA from the transport PIN activates it;
 * - an invalid card answers every command 6283 (application deactivated), SELECT included;
 * - RESET RETRY COUNTER: 6985 unless blocked, 6982 while the CAS has not unblocked the card,
 *   6A80 for a new PIN other than the reset PIN 0000 (the unblock stays on record), and the
 *   unblock is used up by a successful reset;
 * - a VERIFY / CHANGE whose PIN has the wrong length answers 6700 and costs no try;
 * - a successful CHANGE leaves the PIN verified; a power cycle clears it.
 * No PIN digit is kept anywhere but in the card's own reference data.
 */
import { ECARD_PROFILE, SW, counterSw, ecardAid, ecardAtr, swBytes } from '../card';
import { MalformedApduError, parseCommandApdu, type CommandApdu } from '../ccid/command-apdu';
import { createT1Card, type T1CardFaults } from './card-t1';
import { VirtualCardConfigError, requireIntegerIn, type VirtualCard } from './virtual-card';

export type VirtualEcardState = 'active' | 'transport' | 'blocked' | 'invalid';

export interface VirtualEcardOptions {
  readonly state: VirtualEcardState;
  /** The holder's own PIN, 4 digits (default 1234); a transport card has the transport PIN. */
  readonly pin?: string;
  /** 1..5 (default 5); a blocked card has 0. */
  readonly triesLeft?: number;
}

/**
 * One PIN comparison by the card: the command, whether the PIN was right, the tries left after it.
 * A RESET RETRY COUNTER that reached the reset PIN comparison is listed too; a wrong reset PIN
 * costs no try in this model, so it does not count in `triesConsumed`.
 */
export interface PinTry {
  readonly ins: number;
  readonly ok: boolean;
  readonly triesLeftAfter: number;
}

/** What the CAS can do to a card through the national system (used by the CAS console). */
export interface VirtualEcardCasControls {
  /** Records a CAS unblock so that one RESET RETRY COUNTER succeeds; false when the card is not blocked. */
  authoriseReset(): boolean;
  resetAuthorised(): boolean;
  setInvalid(invalid: boolean): void;
}

export interface VirtualEcard extends VirtualCard {
  transmitBlock(block: Uint8Array): Uint8Array | null;
  /** Power cycle: T=1 link back to its start, no application selected, PIN no longer verified. */
  reset(): void;
  readonly faults: T1CardFaults;
  readonly ledger: readonly PinTry[];
  /** Wrong PINs the card counted. */
  triesConsumed(): number;
  state(): VirtualEcardState;
  triesLeft(): number;
  /** Whether the card's reference data is `pin` (tests: "unchanged or fully changed"). */
  hasPin(pin: string): boolean;
  isVerified(): boolean;
  readonly cas: VirtualEcardCasControls;
}

const DEFAULT_OWN_PIN = '1234';
const INS_SELECT = ECARD_PROFILE.selectByAid.value[1];
const INS_VERIFY = ECARD_PROFILE.verify.value[1];
const INS_CHANGE = ECARD_PROFILE.changeReferenceData.value[1];
const INS_RESET = ECARD_PROFILE.resetRetryCounter.value[1];

const isDigits = (bytes: Uint8Array): boolean => bytes.every((b) => b >= 0x30 && b <= 0x39);
const ascii = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

function checkOptions(options: VirtualEcardOptions): { pin: string; tries: number } {
  const { state, pin, triesLeft } = options;
  const max = ECARD_PROFILE.maxTries.value;
  if (!['active', 'transport', 'blocked', 'invalid'].includes(state)) {
    throw new VirtualCardConfigError(`eCard state: expected active, transport, blocked or invalid, got ${String(state)}`);
  }
  if (state === 'transport' && pin !== undefined) {
    throw new VirtualCardConfigError('eCard pin: a transport card has the transport PIN, expected no pin option');
  }
  const ownLength = ECARD_PROFILE.pinLength.value;
  if (pin !== undefined && (pin.length !== ownLength || !/^[0-9]+$/.test(pin))) {
    throw new VirtualCardConfigError(`eCard pin: expected ${ownLength} digits, got ${pin.length} characters`);
  }
  if (state === 'blocked') {
    requireIntegerIn('eCard tries left (blocked)', triesLeft ?? 0, 0, 0);
  } else {
    requireIntegerIn('eCard tries left', triesLeft ?? max, 1, max);
  }
  const tries = state === 'blocked' ? 0 : (triesLeft ?? max);
  return { pin: state === 'transport' ? ECARD_PROFILE.transportPin.value : (pin ?? DEFAULT_OWN_PIN), tries };
}

export function createVirtualEcard(options: VirtualEcardOptions): VirtualEcard {
  const initial = checkOptions(options);
  const maxTries = ECARD_PROFILE.maxTries.value;
  const aid = ecardAid();

  let pin = initial.pin;
  let tries = initial.tries;
  let transport = options.state === 'transport';
  let invalid = options.state === 'invalid';
  let selected = false;
  let verified = false;
  let resetAuthorised = false;
  const ledger: PinTry[] = [];

  const sameP1P2 = (apdu: CommandApdu, header: readonly number[]): boolean =>
    apdu.p1 === header[2] && apdu.p2 === header[3];

  /** Compares a PIN; right: tries back to the maximum; wrong: one try spent. Records the try. */
  function comparePin(ins: number, offered: Uint8Array): boolean {
    const ok = ascii(offered) === pin;
    tries = ok ? maxTries : tries - 1;
    verified = ok;
    ledger.push({ ins, ok, triesLeftAfter: tries });
    return ok;
  }

  function select(apdu: CommandApdu): number {
    if (!sameP1P2(apdu, ECARD_PROFILE.selectByAid.value)) return SW.WRONG_P1_P2;
    if (apdu.case !== 3) return SW.WRONG_LENGTH;
    selected = apdu.data.length === aid.length && apdu.data.every((b, i) => b === aid[i]);
    return selected ? SW.OK : SW.FILE_NOT_FOUND;
  }

  function verify(apdu: CommandApdu): number {
    if (!sameP1P2(apdu, ECARD_PROFILE.verify.value)) return SW.WRONG_P1_P2;
    if (apdu.case !== 1 && apdu.case !== 3) return SW.WRONG_LENGTH;
    if (tries === 0) return SW.AUTHENTICATION_BLOCKED;
    if (transport) return SW.REFERENCE_DATA_NOT_USABLE;
    if (apdu.case === 1) return verified ? SW.OK : counterSw(tries);
    if (apdu.data.length !== pin.length) return SW.WRONG_LENGTH;
    return comparePin(INS_VERIFY, apdu.data) ? SW.OK : counterSw(tries);
  }

  function change(apdu: CommandApdu): number {
    if (!sameP1P2(apdu, ECARD_PROFILE.changeReferenceData.value)) return SW.WRONG_P1_P2;
    if (apdu.case !== 3) return SW.WRONG_LENGTH;
    if (tries === 0) return SW.AUTHENTICATION_BLOCKED;
    if (apdu.data.length !== pin.length + ECARD_PROFILE.pinLength.value) return SW.WRONG_LENGTH;
    const next = apdu.data.subarray(pin.length);
    if (!isDigits(next)) return SW.WRONG_DATA;
    if (!comparePin(INS_CHANGE, apdu.data.subarray(0, pin.length))) return counterSw(tries);
    pin = ascii(next);
    transport = false;
    return SW.OK;
  }

  function resetRetryCounter(apdu: CommandApdu): number {
    if (!sameP1P2(apdu, ECARD_PROFILE.resetRetryCounter.value)) return SW.WRONG_P1_P2;
    if (apdu.case !== 3) return SW.WRONG_LENGTH;
    if (tries !== 0) return SW.CONDITIONS_NOT_SATISFIED;
    if (!resetAuthorised) return SW.SECURITY_NOT_SATISFIED;
    if (apdu.data.length !== ECARD_PROFILE.pinLength.value) return SW.WRONG_LENGTH;
    const ok = ascii(apdu.data) === ECARD_PROFILE.resetPin.value;
    ledger.push({ ins: INS_RESET, ok, triesLeftAfter: ok ? maxTries : tries });
    if (!ok) return SW.WRONG_DATA;
    pin = ECARD_PROFILE.resetPin.value;
    tries = maxTries;
    transport = false;
    verified = false;
    resetAuthorised = false;
    return SW.OK;
  }

  const handlers = new Map<number, (apdu: CommandApdu) => number>([
    [INS_SELECT, select],
    [INS_VERIFY, verify],
    [INS_CHANGE, change],
    [INS_RESET, resetRetryCounter],
  ]);

  function answer(command: Uint8Array): number {
    let apdu: CommandApdu;
    try {
      apdu = parseCommandApdu(command);
    } catch (error) {
      if (error instanceof MalformedApduError) return SW.WRONG_LENGTH;
      throw error;
    }
    if (invalid) return SW.FILE_DEACTIVATED;
    if (apdu.cla !== 0x00) return SW.CLA_NOT_SUPPORTED;
    const handler = handlers.get(apdu.ins);
    if (!handler) return SW.INS_NOT_SUPPORTED;
    if (handler !== select && !selected) return SW.NO_CURRENT_EF;
    return handler(apdu);
  }

  // No block log: the card's blocks carry the PINs (training runs in the provider's browser).
  const t1 = createT1Card({ atr: ecardAtr(), apdu: (command) => swBytes(answer(command)), log: false });

  return {
    atr: t1.atr,
    transmitApdu: (apdu) => t1.transmitApdu(apdu),
    transmitBlock: (block) => t1.transmitBlock(block),
    reset() {
      t1.reset();
      selected = false;
      verified = false;
    },
    faults: t1.faults,
    ledger,
    triesConsumed: () => ledger.filter((entry) => !entry.ok && entry.ins !== INS_RESET).length,
    state: () => (invalid ? 'invalid' : tries === 0 ? 'blocked' : transport ? 'transport' : 'active'),
    triesLeft: () => tries,
    hasPin: (candidate) => candidate === pin,
    isVerified: () => verified,
    cas: {
      authoriseReset() {
        resetAuthorised = tries === 0;
        return resetAuthorised;
      },
      resetAuthorised: () => resetAuthorised,
      setInvalid(value) {
        invalid = value;
      },
    },
  };
}
