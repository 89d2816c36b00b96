/** The reader's name from the corpus by VID:PID (cli/reader-names, loaded on demand: not first-screen code). */
const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** "076B:3821", as the corpus and the reader list write it. */
export const vidPid = (vendorId: number, productId: number): string => `${hex4(vendorId)}:${hex4(productId)}`;

/** The corpus name, else the name the device gives, else its VID:PID. */
export async function readerName(device: USBDevice): Promise<string> {
  const { corpusReaderName } = await import('../../../cli/reader-names');
  return corpusReaderName(device.vendorId, device.productId) ?? device.productName ?? vidPid(device.vendorId, device.productId);
}
