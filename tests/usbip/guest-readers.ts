/**
 * Inside the QEMU guest: corpus readers as USB devices of the guest's kernel. A reader is built as
 * its dump describes it (USB ids, strings, bcdDevice, interface class, CCID descriptor), gets its
 * card before it is plugged in (as at a desk), is exported by the USB/IP server and attached through
 * vhci-hcd; unplug / replug are the cable's.
 */
import type { VirtualCard, VirtualReader, VirtualReaderOptions } from '../../src/sim';
import type { ReaderVector } from '../support/corpus';
import { virtualReaderFrom } from '../support/readers';
import { attachReader, detachReader, waitUntilGone, type GuestAttachment } from './guest-usbip';
import type { ExportedReader, UsbipServer } from './server';

export interface PluggedReader {
  readonly vector: ReaderVector;
  readonly reader: VirtualReader;
  readonly exported: ExportedReader;
  readonly attachment: GuestAttachment;
  /** iSerialNumber: pcscd puts it in the reader's name, so each plug-in is told apart. */
  readonly serial: string;
}

let plugged = 0;

/** Builds, exports and attaches a corpus reader with `card` in slot 0 (none: an empty reader). */
export async function plugCorpusReader(
  server: UsbipServer,
  vector: ReaderVector,
  options: { readonly card?: VirtualCard; readonly reader?: Partial<VirtualReaderOptions> } = {},
): Promise<PluggedReader> {
  const serial = `VIRTUAL-${String(++plugged).padStart(4, '0')}`;
  const reader = virtualReaderFrom(vector, {
    manufacturerName: vector.iManufacturer ?? 'eCard PIN',
    serialNumber: serial,
    deviceVersion: bcdDevice(vector.bcdDevice),
    ...options.reader,
  });
  if (options.card) reader.insert(options.card);
  const exported = server.export(reader, { busid: `1-${plugged}` });
  const attachment = await attachReader(exported.busid, vector.idVendor, vector.idProduct);
  return { vector, reader, exported, attachment, serial };
}

/** The guest lets go of the reader (`usbip detach`) and it leaves the bus. */
export async function detachPlugged(p: PluggedReader): Promise<void> {
  await detachReader(p.attachment);
  await waitUntilGone(p.attachment);
}

/** After the cable was pulled (exported.unplug): wait until the kernel dropped it, plug it back, attach it again. */
export async function replugPlugged(p: PluggedReader): Promise<PluggedReader> {
  await waitUntilGone(p.attachment);
  p.exported.replug();
  const attachment = await attachReader(p.exported.busid, p.vector.idVendor, p.vector.idProduct);
  return { ...p, attachment };
}

/** "1.00" (the dumps' bcdDevice) as 0x0100. */
export function bcdDevice(text: string | undefined): number {
  const [major = '1', minor = '00'] = (text ?? '1.00').split('.');
  return (parseInt(major, 16) << 8) | parseInt(minor.padEnd(2, '0'), 16);
}
