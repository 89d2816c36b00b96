/**
 * PIN pad firmware that does not read PC_to_RDR_Secure the way USB CCID 1.1 §6.1.11 writes it, as
 * data keyed by USB vendor:product ("VVVV:PPPP", or "VVVV:*" for a whole vendor). Each row says
 * what the firmware requires; the driver shapes its structure from it (pinpad.ts) and the virtual
 * reader enforces the same row, so a wrong structure shows as a refused command.
 *
 * Every row is a behaviour documented in libccid (LudovicRousseau/CCID): src/commands.c
 * (SecurePINVerify, SecurePINModify, has_gemalto_modify_pin_bug), src/ccid.c (ccid_open_hack_post)
 * and the IDs of src/ccid.h. Facts only; no code of it is used here.
 */
import type { PinStructureLayout } from './pin-structures';

export interface PinpadQuirk {
  /** The reader, as libccid names it. */
  readonly reader: string;
  /** Where libccid documents it. */
  readonly source: string;
  /**
   * The descriptor announces a PIN pad that must not be used: 'absent' (the chip claims one the
   * device does not have), 'insecure' (the digits typed also reach the host as keystrokes) or
   * 'disabled' (libccid turns it off without saying why).
   */
  readonly pinpad?: 'absent' | 'insecure' | 'disabled';
  /** The only bNumberMessage the firmware accepts in a verification. */
  readonly verifyNumberMessage?: number;
  /** The only bNumberMessage the firmware accepts in a modification. */
  readonly modifyNumberMessage?: number;
  /** The firmware reads bMsgIndex1..3 in every modification, whatever bNumberMessage says. */
  readonly modifyMessageIndexes?: 'always-three';
  /** All three bMsgIndex must be 00 in a modification (readers without a display). */
  readonly zeroMessageIndexes?: boolean;
  /** The only bEntryValidationCondition the firmware accepts (it rejects the others). */
  readonly entryValidation?: number;
  /** wPINMaxExtraDigit is read with its two bytes reversed. */
  readonly minMaxSwapped?: boolean;
  /** Wait this long before PC_to_RDR_Secure (the Enter key of the last entry may still be down). */
  readonly settleMs?: number;
}

const COMMANDS_C = 'libccid src/commands.c';
const CCID_C = 'libccid src/ccid.c ccid_open_hack_post';

const GEMPC_PINPAD: PinpadQuirk = {
  reader: 'Gemalto GemPC Pinpad',
  source: `${COMMANDS_C} SecurePINVerify/SecurePINModify (GEMPCPINPAD)`,
  // "the firmware reject the cases: 00h No string and FFh default CCID message"
  verifyNumberMessage: 0x01,
  // "does not support, and actively reject, 'max size reached' and 'timeout occured'"
  entryValidation: 0x02,
};

const DELL_KEYBOARD: PinpadQuirk = {
  reader: 'Dell smart card keyboard',
  source: `${COMMANDS_C} SecurePINVerify (DELLSCRK, DELLSK)`,
  // "The only value supported is 00h (no message)"; "the Enter key is still pressed": 250 ms.
  verifyNumberMessage: 0x00,
  settleMs: 250,
};

const NO_DISPLAY_MODIFY: Omit<PinpadQuirk, 'reader' | 'source'> = {
  // "has no display but requires _all_ bMsgIndex fields with bNumberMessage set to 0"
  modifyNumberMessage: 0x00,
  modifyMessageIndexes: 'always-three',
  zeroMessageIndexes: true,
};

const ABSENT = (reader: string): PinpadQuirk => ({
  reader,
  source: `${CCID_C}: "The chip advertises pinpad but actually doesn't have one"`,
  pinpad: 'absent',
});

const INSECURE = (reader: string): PinpadQuirk => ({
  reader,
  source: `${CCID_C}: "the Secure Pin Entry is bogus ... the PIN code entered ... is also sent to the host"`,
  pinpad: 'insecure',
});

export const PINPAD_QUIRKS: ReadonlyMap<string, PinpadQuirk> = new Map<string, PinpadQuirk>([
  [
    '08E6:*',
    {
      reader: 'Gemalto readers',
      source: `${COMMANDS_C} has_gemalto_modify_pin_bug`,
      // "The reader requests a value for bMsgIndex2 and bMsgIndex3 even if they should not be
      // present." Firmware reporting bNumberMessageFix (vendor Escape 0x6A) reads the CCID layout;
      // with bNumberMessage 3 both read the same bytes, so pinpad.ts sends 3 then.
      modifyMessageIndexes: 'always-three',
    },
  ],
  ['08E6:3478', GEMPC_PINPAD],
  [
    '0982:0008',
    { ...GEMPC_PINPAD, reader: 'Covadis Véga-Alpha (Gemalto firmware)', source: `${COMMANDS_C} (VEGAALPHA)`, modifyMessageIndexes: 'always-three' },
  ],
  ['413C:2101', DELL_KEYBOARD],
  [
    '413C:2100',
    {
      ...DELL_KEYBOARD,
      reader: 'Dell keyboard SK-3106',
      // "the 2 bytes of wPINMaxExtraDigit are reversed"
      minMaxSwapped: true,
    },
  ],
  ['04E6:E003', { reader: 'SCM SPR 532', source: `${COMMANDS_C} SecurePINModify (SPR532)`, ...NO_DISPLAY_MODIFY }],
  ['046A:003E', { reader: 'Cherry SmartTerminal ST-2000', source: `${COMMANDS_C} SecurePINModify (CHERRYST2000)`, ...NO_DISPLAY_MODIFY, entryValidation: 0x02 }],
  [
    '046A:0010',
    {
      reader: 'Cherry XX44',
      // "with bNumberMessage < 3 the command seems to be accepted and the card sends 6B 80"
      source: `${COMMANDS_C} SecurePINModify (CHERRYXX44)`,
      modifyNumberMessage: 0x03,
    },
  ],
  ['03F0:1024', INSECURE('HP USB Smart Card Keyboard')],
  ['03F0:0036', INSECURE('HP CCID Smart Card Keyboard')],
  ['0BF8:1017', INSECURE('Fujitsu SmartCase KB SCR eSIG')],
  ['0783:0006', { reader: 'C3PO LTC31 v2', source: `${CCID_C} (C3PO_LTC31_v2: bPINSupport = 0)`, pinpad: 'disabled' }],
  ['076B:3A21', ABSENT('HID OMNIKEY Aviator / Generic')],
  ['076B:3031', ABSENT('HID OMNIKEY 3x21')],
  ['076B:6632', ABSENT('HID OMNIKEY 6121')],
  ['046A:00A7', ABSENT('Cherry Smart Terminal xx44')],
  ['0BF8:1024', ABSENT('Fujitsu Smartcard Reader D323')],
]);

export function quirkKey(vendorId: number, productId: number | '*'): string {
  const hex = (v: number) => v.toString(16).toUpperCase().padStart(4, '0');
  return `${hex(vendorId)}:${productId === '*' ? '*' : hex(productId)}`;
}

/** The vendor row, then the product row over it; an empty row when nothing is known. */
export function pinpadQuirk(vendorId: number, productId: number): PinpadQuirk {
  const vendor = PINPAD_QUIRKS.get(quirkKey(vendorId, '*'));
  const product = PINPAD_QUIRKS.get(quirkKey(vendorId, productId));
  return { reader: '', source: '', ...vendor, ...product };
}

/** The byte layout of the structure this reader's firmware reads. */
export function pinStructureLayout(quirk: PinpadQuirk): PinStructureLayout {
  return {
    minMaxSwapped: quirk.minMaxSwapped ?? false,
    modifyMessageIndexes: quirk.modifyMessageIndexes ?? 'ccid',
  };
}
