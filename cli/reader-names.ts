/** Reader names by VID:PID, from the reader corpus (regenerate: node cli/generate-reader-names.mjs). */
import names from './reader-names.json';

const table: Readonly<Record<string, string>> = names;

/** "08E6:4433" for vendor 0x08E6, product 0x4433. */
export function vidPid(vendorId: number, productId: number): string {
  const hex4 = (value: number): string => value.toString(16).toUpperCase().padStart(4, '0');
  return `${hex4(vendorId)}:${hex4(productId)}`;
}

/** The corpus name of this VID:PID, or null when the corpus does not know it. */
export function corpusReaderName(vendorId: number, productId: number): string | null {
  return table[vidPid(vendorId, productId)] ?? null;
}
