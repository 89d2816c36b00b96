/**
 * What the QEMU suite sends and what must reach the card: shared by the guest (which sends the APDUs
 * through the driver) and the host (which checks the TPDUs the VSCard peer received, and the USB
 * capture). The TPDUs follow ISO/IEC 7816-3 §12.2 (T=0 transport of the four APDU cases).
 */
import { fromHex, toHex } from '../../src/ccid';
import { concatBytes } from '../../src/ccid/bytes';
import { SELECT_ECARD_APPLICATION, VERIFY_PIN_STATUS } from '../../cli/ecard-apdus';
import { ECARD_AID, TEST_FCI, TEST_PIN } from './t0-test-card';

export interface Exchange {
  readonly command: Uint8Array;
  readonly response: Uint8Array;
}

export interface PlannedApdu extends Exchange {
  readonly name: string;
  /** The TPDUs the card must see for it, with the card's answers. */
  readonly tpdus: readonly Exchange[];
}

const x = (command: string | Uint8Array, response: string | Uint8Array): Exchange => ({
  command: typeof command === 'string' ? fromHex(command) : command,
  response: typeof response === 'string' ? fromHex(response) : response,
});
const fciOk = concatBytes([TEST_FCI, fromHex('90 00')]);
const selectWithFci = concatBytes([fromHex('00 A4 04 00'), Uint8Array.of(ECARD_AID.length), ECARD_AID]);

const verify: PlannedApdu = {
  name: 'case 1: VERIFY without data → 63C3 (P3 00 added)',
  ...x(VERIFY_PIN_STATUS, '63 C3'),
  tpdus: [x('00 20 00 01 00', '63 C3')],
};

/** The APDU cases, in the order the guest sends them right after power-on. */
export const CASE_APDUS: readonly PlannedApdu[] = [
  verify,
  {
    name: 'case 3: SELECT the eCard application, P2 0C',
    ...x(SELECT_ECARD_APPLICATION, '90 00'),
    tpdus: [x(SELECT_ECARD_APPLICATION, '90 00')],
  },
  {
    name: 'case 4: SELECT with FCI → 61xx → GET RESPONSE',
    ...x(concatBytes([selectWithFci, fromHex('00')]), fciOk),
    tpdus: [x(selectWithFci, Uint8Array.of(0x61, TEST_FCI.length)), x(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, TEST_FCI.length), fciOk)],
  },
  {
    name: 'case 3: PUT DATA 0101 CA FE BA BE',
    ...x('00 DA 01 01 04 CA FE BA BE', '90 00'),
    tpdus: [x('00 DA 01 01 04 CA FE BA BE', '90 00')],
  },
  {
    name: 'case 2: GET DATA 0101, Le 04',
    ...x('00 CA 01 01 04', 'CA FE BA BE 90 00'),
    tpdus: [x('00 CA 01 01 04', 'CA FE BA BE 90 00')],
  },
  {
    name: 'case 2: GET DATA 0101, Le 00 → 6C04 → again with P3 04',
    ...x('00 CA 01 01 00', 'CA FE BA BE 90 00'),
    tpdus: [x('00 CA 01 01 00', '6C 04'), x('00 CA 01 01 04', 'CA FE BA BE 90 00')],
  },
];

/** The flows' fallback after the refused PIN pad: the screen keypad's VERIFY with the typed PIN. */
export const SCREEN_VERIFY: PlannedApdu = {
  name: 'screen keypad fallback: VERIFY with the typed PIN',
  ...x(concatBytes([fromHex('00 20 00 01 04'), TEST_PIN]), '90 00'),
  tpdus: [x(concatBytes([fromHex('00 20 00 01 04'), TEST_PIN]), '90 00')],
};

/** Sent after the refused PC_to_RDR_Secure and after reinsertion: the reader must still work. */
export const CHECK_APDU: PlannedApdu = verify;

/** What `ecard-pin probe` sends to the T=0 test card: SELECT (case 3) and VERIFY without data (case 1). */
export const PROBE_TPDUS: readonly Exchange[] = [x(SELECT_ECARD_APPLICATION, '90 00'), x('00 20 00 01 00', '63 C3')];

/** Host commands the guest prints as "@@host <command>" (tests/qemu/run.mjs). */
export const HOST_COMMAND = {
  removeCard: 'remove-card',
  insertT0Card: 'insert-t0-card',
  insertEcard: 'insert-ecard',
} as const;

/** Every APDU the driver sends in the guest, in order (the probe's included). */
export function plannedApduSequence(): readonly { readonly name: string; readonly tpdus: readonly Exchange[] }[] {
  return [
    ...CASE_APDUS,
    { name: SCREEN_VERIFY.name, tpdus: SCREEN_VERIFY.tpdus },
    { name: 'after PC_to_RDR_Secure: VERIFY', tpdus: CHECK_APDU.tpdus },
    { name: 'after reinsertion: VERIFY', tpdus: CHECK_APDU.tpdus },
    { name: 'probe: SELECT the eCard application', tpdus: PROBE_TPDUS.slice(0, 1) },
    { name: 'probe: VERIFY without data', tpdus: PROBE_TPDUS.slice(1) },
  ];
}

export function describeExchange(exchange: Exchange): string {
  return `${toHex(exchange.command)} → ${toHex(exchange.response)}`;
}
