/** Reader names by VID:PID, from the reader corpus (regenerate: node cli/generate-reader-names.mjs). */
import names from './reader-names.json';
import { vidPid } from '../src/ccid/usb-ids';

const table: Readonly<Record<string, string>> = names;

/** The corpus name of this VID:PID, or null when the corpus does not know it. */
export function corpusReaderName(vendorId: number, productId: number): string | null {
  return table[vidPid(vendorId, productId)] ?? null;
}
