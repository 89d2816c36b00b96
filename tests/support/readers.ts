/** Virtual readers built from the corpus, and small virtual cards for driver tests. */
import { fromHex } from '../../src/ccid';
import { createVirtualReader, type VirtualCard, type VirtualReader, type VirtualReaderOptions } from '../../src/sim';
import { readerVector, type ReaderVector } from './corpus';

export function virtualReaderFrom(vector: ReaderVector, options: Partial<VirtualReaderOptions> = {}): VirtualReader {
  return createVirtualReader({
    descriptor: vector.ccid_class_descriptor_hex,
    vendorId: vector.idVendor,
    productId: vector.idProduct,
    productName: vector.iProduct ?? 'reader',
    interfaceClass: vector.interface.bInterfaceClass,
    dataRates: vector.get_data_rates_bps,
    clockFrequenciesKhz: vector.get_clock_frequencies_khz,
    ...options,
  });
}

export function virtualReader(file: string, options: Partial<VirtualReaderOptions> = {}): VirtualReader {
  return virtualReaderFrom(readerVector(file), options);
}

/** A card (T=0 and T=1 offered) answering from a table of "command hex → response hex"; 6D00 otherwise. */
export function scriptedCard(script: Record<string, string>, atr = '3B 80 80 01 01'): VirtualCard & { readonly received: string[] } {
  const received: string[] = [];
  const table = new Map(Object.entries(script).map(([k, v]) => [k.replace(/\s/g, '').toUpperCase(), fromHex(v)]));
  return {
    atr: fromHex(atr),
    received,
    transmitApdu(apdu) {
      const key = Array.from(apdu, (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
      received.push(key);
      return table.get(key) ?? Uint8Array.of(0x6d, 0x00);
    },
  };
}
