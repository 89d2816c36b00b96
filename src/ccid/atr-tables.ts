/**
 * The speed tables of ISO/IEC 7816-3:2006 §8.3: TA1 (and PPS1, §9.2) carry two 4-bit codes,
 * FI (high nibble) and DI (low nibble). Codes the standard reserves (RFU) map to undefined.
 */

export interface ClockRateFactor {
  /** Clock rate conversion integer Fi. */
  readonly fi: number;
  /** Maximum clock frequency f(max) the card accepts with this Fi, in Hz. */
  readonly fmaxHz: number;
}

/** §8.3 Table 7, indexed by FI. */
const FI_TABLE: readonly (ClockRateFactor | undefined)[] = [
  { fi: 372, fmaxHz: 4_000_000 },
  { fi: 372, fmaxHz: 5_000_000 },
  { fi: 558, fmaxHz: 6_000_000 },
  { fi: 744, fmaxHz: 8_000_000 },
  { fi: 1116, fmaxHz: 12_000_000 },
  { fi: 1488, fmaxHz: 16_000_000 },
  { fi: 1860, fmaxHz: 20_000_000 },
  undefined,
  undefined,
  { fi: 512, fmaxHz: 5_000_000 },
  { fi: 768, fmaxHz: 7_500_000 },
  { fi: 1024, fmaxHz: 10_000_000 },
  { fi: 1536, fmaxHz: 15_000_000 },
  { fi: 2048, fmaxHz: 20_000_000 },
  undefined,
  undefined,
];

/** §8.3 Table 8, indexed by DI. */
const DI_TABLE: readonly (number | undefined)[] = [
  undefined, 1, 2, 4, 8, 16, 32, 64, 12, 20, undefined, undefined, undefined, undefined, undefined, undefined,
];

/** Fd, Dd: the default values when TA1 is absent (§8.3), i.e. TA1 = 0x11. */
export const DEFAULT_FI = 372;
export const DEFAULT_DI = 1;
export const DEFAULT_TA1 = 0x11;

/** Fi and f(max) for a 4-bit FI code; undefined for an RFU code. */
export function clockRateFactor(fiCode: number): ClockRateFactor | undefined {
  return FI_TABLE[fiCode & 0x0f];
}

/** Di for a 4-bit DI code; undefined for an RFU code. */
export function baudRateDivisor(diCode: number): number | undefined {
  return DI_TABLE[diCode & 0x0f];
}

/** Every defined Di with its code, slowest first. */
export const DI_CODES: readonly { readonly code: number; readonly di: number }[] = DI_TABLE.flatMap((di, code) =>
  di === undefined ? [] : [{ code, di }],
).sort((a, b) => a.di - b.di);
