/**
 * Inside the QEMU guest, in the suite's own process: the desk's readers as USB devices of the
 * guest's kernel (corpus readers exported by the USB/IP server on 127.0.0.1 and attached through
 * vhci-hcd, tests/usbip/guest-readers.ts), one plugged in at a time. Each comes with its virtual
 * eCard, put in once the reader is on the bus, the CAS console and the cable (reader-side.ts).
 */
import type { VirtualEcardOptions } from '../../src/sim';
import { readerVector } from '../support/corpus';
import { detachPlugged, plugCorpusReader, replugPlugged, type PluggedReader } from '../usbip/guest-readers';
import { waitUntilGone } from '../usbip/guest-usbip';
import type { UsbipServer } from '../usbip/server';
import type { ReaderInfo } from './device-side';
import { readerSide, type ReaderSide } from './reader-side';

export interface GuestDesk {
  /** The reader plugged in now (null: none). */
  readonly current: ReaderSide | null;
  /**
   * `file`'s reader plugged in alone with `card` in its slot: the reader plugged in before leaves
   * first; the same reader, still plugged in, only gets the new card.
   */
  plug(file: string, card: VirtualEcardOptions | null): Promise<ReaderSide>;
  /** No reader plugged in. */
  clear(): Promise<void>;
  /** What every reader plugged in so far saw the host do wrong (must stay empty). */
  violations(): string[];
}

/** A corpus reader as the scenarios and the policy name it. */
export function readerInfo(file: string): ReaderInfo {
  const vector = readerVector(file);
  return {
    id: file,
    name: vector.iProduct ?? file,
    vendorId: vector.idVendor,
    productId: vector.idProduct,
    interfaceClass: vector.interface.bInterfaceClass,
    pinpad: true,
  };
}

export function guestDesk(server: UsbipServer): GuestDesk {
  let current: { file: string; side: ReaderSide; plugged: PluggedReader; cablePulled: boolean } | null = null;
  const everyPlug: PluggedReader[] = [];
  const letGo = async () => {
    if (!current) return;
    const { plugged, cablePulled } = current;
    current = null;
    if (cablePulled) await waitUntilGone(plugged.attachment);
    else await detachPlugged(plugged);
  };
  return {
    get current() {
      return current?.side ?? null;
    },
    async plug(file, card) {
      if (current?.file === file && !current.cablePulled) {
        if (card) await current.side.insertEcard(card);
        else await current.side.removeCard();
        return current.side;
      }
      await letGo();
      const plugged = await plugCorpusReader(server, readerVector(file), { reader: { pinpad: true } });
      everyPlug.push(plugged);
      const entry = {
        file,
        plugged,
        cablePulled: false,
        side: readerSide(readerInfo(file), plugged.reader, {
          unplug: async () => {
            entry.cablePulled = true;
            entry.plugged.exported.unplug();
          },
          replug: async () => {
            entry.plugged = await replugPlugged(entry.plugged);
            entry.cablePulled = false;
          },
        }),
      };
      current = entry;
      // The card goes in once the reader is plugged in (the side keeps its ledger and its CAS).
      if (card) await entry.side.insertEcard(card);
      return entry.side;
    },
    clear: letGo,
    violations: () => everyPlug.flatMap((p) => p.exported.violations().map((v) => `${p.vector.file}: ${v}`)),
  };
}
