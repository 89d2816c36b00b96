/**
 * The real-world data the tests run on, from ../shared beside the repository (or $ECARD_SHARED_DIR):
 * libccid's reader dumps with their CCID descriptors, and pcsc-tools' ATR list.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const sharedDir = process.env.ECARD_SHARED_DIR ?? resolve(repoRoot, '../shared');

export interface ReaderVector {
  readonly file: string;
  readonly block: number;
  readonly idVendor: number;
  readonly idProduct: number;
  readonly iManufacturer: string | null;
  readonly iProduct: string | null;
  /** Release number as the dump writes it, e.g. "1.00". */
  readonly bcdDevice?: string;
  readonly interface: { readonly bInterfaceClass: number; readonly bInterfaceNumber: number };
  readonly ccid_class_descriptor_hex: string;
  readonly decoded: Readonly<Record<string, number | string>>;
  readonly get_data_rates_bps: readonly number[];
  readonly get_clock_frequencies_khz: readonly number[];
}

let vectors: ReaderVector[] | undefined;

export function readerVectors(): ReaderVector[] {
  vectors ??= JSON.parse(readFileSync(resolve(sharedDir, 'ccid-readers/vectors.json'), 'utf8')) as ReaderVector[];
  return vectors;
}

export function readerDump(file: string): string {
  return readFileSync(resolve(sharedDir, 'ccid-readers', file), 'utf8');
}

/** The first reader of the corpus whose file name is `file` (block 0 unless given). */
export function readerVector(file: string, block = 0): ReaderVector {
  const found = readerVectors().find((v) => v.file === file && v.block === block);
  if (!found) throw new Error(`no reader ${file} block ${block} in the corpus`);
  return found;
}
