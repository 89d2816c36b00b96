/**
 * `ecard-pin probe`: what the driver sees on one reader — exchange level, PIN pad, card ATR, whether
 * it is an eCard and how many PIN tries it has left, asked without spending one.
 */
import {
  AccessDeniedError,
  CardAbsentError,
  CardMuteError,
  CardNotSupportedError,
  CcidError,
  CcidReader,
  DeviceBusyError,
  DeviceDisconnectedError,
  ProtectedClassError,
  UnsupportedReaderError,
  toHex,
  type CcidClassDescriptor,
  type ExchangeLevel,
} from '../src/ccid';
import { ECARD_ATR, SELECT_ECARD_APPLICATION, VERIFY_PIN_STATUS, isEcardAtr, pinStatusOf, statusWord, type PinStatus } from './ecard-apdus';

export type SlotProbe =
  | { readonly slot: number; readonly state: 'empty' }
  | { readonly slot: number; readonly state: 'unusable'; readonly atr: Uint8Array | null; readonly error: CcidError }
  | {
      readonly slot: number;
      readonly state: 'powered';
      readonly atr: Uint8Array;
      readonly protocol: number | null;
      readonly ecardAtr: boolean;
      /** Status word of SELECT of the eCard application. */
      readonly selectSw: number;
      /** Only when the eCard application was selected. */
      readonly pin: PinStatus | null;
    };

export interface ReaderProbe {
  readonly exchangeLevel: ExchangeLevel;
  readonly protocols: readonly number[];
  readonly pinVerify: boolean;
  readonly pinModify: boolean;
  readonly slots: readonly SlotProbe[];
}

/** Opens the reader, probes every slot, closes it. Rejects with the driver's typed errors. */
export async function probeReader(device: USBDevice): Promise<ReaderProbe> {
  const reader = await CcidReader.open(device);
  try {
    const slots: SlotProbe[] = [];
    for (const slot of reader.slots) slots.push(await probeSlot(slot));
    return describeReader(reader.descriptor, slots);
  } finally {
    await reader.close();
  }
}

function describeReader(descriptor: CcidClassDescriptor, slots: SlotProbe[]): ReaderProbe {
  return {
    exchangeLevel: descriptor.exchangeLevel,
    protocols: descriptor.protocols,
    pinVerify: descriptor.pinVerify,
    pinModify: descriptor.pinModify,
    slots,
  };
}

async function probeSlot(slot: CcidReader['slots'][number]): Promise<SlotProbe> {
  if ((await slot.status()).card === 'absent') return { slot: slot.index, state: 'empty' };
  let atr: Uint8Array;
  try {
    atr = await slot.powerOn();
  } catch (error) {
    if (error instanceof CardAbsentError) return { slot: slot.index, state: 'empty' };
    if (error instanceof CcidError && !(error instanceof DeviceDisconnectedError)) {
      return { slot: slot.index, state: 'unusable', atr: slot.atr, error };
    }
    throw error;
  }
  const protocol = slot.session?.plan?.protocol ?? null;
  const selectSw = statusWord(await slot.transmit(SELECT_ECARD_APPLICATION));
  const pin = selectSw === 0x9000 ? pinStatusOf(await slot.transmit(VERIFY_PIN_STATUS)) : null;
  await slot.powerOff();
  return {
    slot: slot.index,
    state: 'powered',
    atr,
    protocol,
    ecardAtr: isEcardAtr(atr),
    selectSw,
    pin,
  };
}

/* ---- words ------------------------------------------------------------------------------------- */

const LEVEL_WORDS: Readonly<Record<ExchangeLevel, string>> = {
  character: 'character (not supported by this driver)',
  tpdu: 'TPDU',
  shortApdu: 'short APDU',
  extendedApdu: 'extended APDU',
};

const hex4 = (value: number): string => value.toString(16).toUpperCase().padStart(4, '0');

export function describePin(pin: PinStatus): string {
  switch (pin.kind) {
    case 'triesLeft':
      return `${pin.tries} ${pin.tries === 1 ? 'try' : 'tries'} left (VERIFY without PIN answered 63C${pin.tries.toString(16).toUpperCase()}; no try spent)`;
    case 'blocked':
      return 'blocked (6983): the CAS must unblock the card';
    case 'alreadyVerified':
      return 'already verified in this session (9000)';
    case 'unexpected':
      return `unknown (VERIFY without PIN answered ${hex4(pin.sw)})`;
  }
}

/** One line for a typed failure, saying what to do where there is something to do. */
export function describeError(error: unknown): string {
  if (error instanceof DeviceBusyError) {
    return 'the reader is in use by another program, usually pcscd: stop it (sudo systemctl stop pcscd.socket pcscd) and run the probe again';
  }
  if (error instanceof AccessDeniedError) {
    return 'access denied: this user may not open the reader; add a udev rule (see README, "Real USB") or run as root';
  }
  if (error instanceof ProtectedClassError) return 'the platform protects smart card readers here';
  if (error instanceof DeviceDisconnectedError) return 'the reader was unplugged';
  if (error instanceof UnsupportedReaderError) return `this reader cannot be driven: ${error.message}`;
  if (error instanceof CardNotSupportedError) return `this reader cannot talk to this card: ${error.message}`;
  if (error instanceof CardMuteError) return 'a card is in the slot but does not answer (inserted the wrong way?)';
  if (error instanceof CcidError) return `${error.name}: ${error.message}`;
  return `unexpected failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

export function formatSlot(slot: SlotProbe): string[] {
  const head = `  slot ${slot.slot}:`;
  if (slot.state === 'empty') return [`${head} no card`];
  if (slot.state === 'unusable') {
    return [`${head} card ATR ${slot.atr ? toHex(slot.atr) : '(none)'}`, `    card: ${describeError(slot.error)}`];
  }
  const lines = [`${head} card ATR ${toHex(slot.atr)}${slot.protocol === null ? '' : `, T=${slot.protocol}`}`];
  lines.push(
    slot.ecardAtr
      ? '    eCard recognised: yes (ATR of the Romanian health card)'
      : `    eCard recognised: no (the eCard's ATR is ${toHex(ECARD_ATR)})`,
  );
  if (slot.pin === null) {
    lines.push(`    eCard application: not found (SELECT answered ${hex4(slot.selectSw)})`);
  } else {
    lines.push('    eCard application: selected (9000)');
    lines.push(`    PIN: ${describePin(slot.pin)}`);
  }
  return lines;
}

export function formatReader(probe: ReaderProbe): string[] {
  return [
    `  exchange level: ${LEVEL_WORDS[probe.exchangeLevel]}; protocols ${probe.protocols.map((t) => `T=${t}`).join(', ') || 'none'}`,
    `  PIN pad: ${probe.pinVerify || probe.pinModify ? `announced (verify ${probe.pinVerify ? 'yes' : 'no'}, modify ${probe.pinModify ? 'yes' : 'no'})` : 'none'}`,
    ...probe.slots.flatMap(formatSlot),
  ];
}
