/** The reader's name from the corpus by VID:PID (cli/reader-names, loaded on demand: not first-screen code). */
import { vidPid } from '../../ccid/usb-ids';

/** The corpus name, else the name the device gives, else its VID:PID. */
export async function readerName(device: USBDevice): Promise<string> {
  const { corpusReaderName } = await import('../../../cli/reader-names');
  return corpusReaderName(device.vendorId, device.productId) ?? device.productName ?? vidPid(device.vendorId, device.productId);
}
