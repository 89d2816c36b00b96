/**
 * What real reader firmware does beyond its CCID descriptor, where the reference driver libccid
 * depends on it — so the virtual firmware behaves the same, or libccid fails with it where it works
 * with the real reader. Data keyed by USB vendor:product like the PIN pad quirks
 * (src/ccid/pinpad-quirks.ts); facts from libccid 1.5.2, no code of it.
 *
 * - Vendor escapes (PC_to_RDR_Escape, USB CCID 1.1 §6.1.8) libccid sends while it opens the reader
 *   (src/ccid.c ccid_open_hack_post). An escape not listed is refused with bError 00 "command not
 *   supported", which libccid takes as such where it only probes (GET_FIRMWARE_FEATURES).
 * - The longest message the firmware really takes, where the descriptor's dwMaxCCIDMessageLength
 *   says less (src/commands.c BOGUS_SCM_FIRMWARE_FOR_dwMaxCCIDMessageLength).
 */
import { quirkKey } from '../ccid/pinpad-quirks';

export interface VendorEscape {
  /** What the command does, as libccid names it. */
  readonly name: string;
  readonly source: string;
  /** The command's first bytes. */
  readonly prefix: readonly number[];
  /** The whole command's length, when the firmware checks it. */
  readonly length?: number;
  /** RDR_to_PC_Escape abData of the success answer. */
  readonly answer: readonly number[];
}

const OPEN_HACK_POST = 'libccid src/ccid.c ccid_open_hack_post';

/**
 * GemPC Pinpad and Véga-Alpha: "load the l10n strings in the pinpad memory" — B2 (load strings),
 * A0 (memory), 00 (first byte), 4D 4C (magic), then ten 16-character LCD messages. libccid
 * refuses a reader whose firmware does not accept it (IFD_COMMUNICATION_ERROR at open).
 */
const LOAD_LCD_STRINGS: VendorEscape = {
  name: 'load the LCD strings',
  source: `${OPEN_HACK_POST} (GEMPCPINPAD, VEGAALPHA)`,
  prefix: [0xb2, 0xa0, 0x00, 0x4d, 0x4c],
  length: 5 + 10 * 16,
  answer: [],
};

const VENDOR_ESCAPES: ReadonlyMap<string, readonly VendorEscape[]> = new Map([
  ['08E6:3478', [LOAD_LCD_STRINGS]],
  ['0982:0008', [LOAD_LCD_STRINGS]],
]);

/** The escapes this reader's firmware answers (none for most readers). */
export function vendorEscapes(vendorId: number, productId: number): readonly VendorEscape[] {
  return VENDOR_ESCAPES.get(quirkKey(vendorId, productId)) ?? [];
}

/**
 * SCM Microsystems firmware "reports dwMaxCCIDMessageLength = 263 instead of 270" (libccid
 * src/commands.c), and libccid sends it up to 270 bytes: a full 260-byte short APDU, or a T=1 block
 * with an information field of 254 (ISO/IEC 7816-3 §11.3: 3 + 254 + 1).
 */
const SCM_VENDOR = 0x04e6;
const SCM_ANNOUNCED = 263;
const SCM_REAL = 270;

/** The longest CCID message (header included) this reader's firmware accepts. */
export function acceptedMessageLength(vendorId: number, announced: number): number {
  return vendorId === SCM_VENDOR && announced === SCM_ANNOUNCED ? SCM_REAL : announced;
}

/** The escape `data` is, among `escapes`, or null. */
export function matchEscape(escapes: readonly VendorEscape[], data: Uint8Array): VendorEscape | null {
  return (
    escapes.find(
      (e) => (e.length === undefined || data.length === e.length) && e.prefix.every((byte, i) => data[i] === byte),
    ) ?? null
  );
}
