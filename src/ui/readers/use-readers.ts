/**
 * The readers the page knows, over two transports (architecture.md, "Two transports, one set of flows"):
 * - WebUSB: devices the user granted (navigator.usb) and the training reader, driven by this app's
 *   CCID driver;
 * - PC/SC: the readers of the platform's smart card stack (on ChromeOS the Smart Card Connector),
 *   through the Web Smart Card API, where the page may use it (an Isolated Web App allowed
 *   "smart-card"; establishContext() says so).
 * One physical reader is one entry (transport-choice.ts): PC/SC is listed first, and a WebUSB device
 * that is the same reader as a PC/SC one is left to PC/SC, never claimed. A reader is opened as soon
 * as it is known. State lives here; views only render it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DeviceDisconnectedError, type CcidReader } from '../../ccid';
import type { CardSlot } from '../../flows';
import { loadPcscTransport, pcscError, type PcscError, type PcscSlot, type ReaderListWatch, type SmartCardResourceManager } from '../../pcsc';
import { vidPid } from '../../ccid/usb-ids';
import { createTrace, type Trace } from '../diagnostics/report';
import { readerName } from './reader-names';
import { pcscNameParts, sameReader } from './transport-choice';

export type ReaderTransport = 'webusb' | 'pcsc';

export interface ReaderEntry {
  readonly id: string;
  readonly transport: ReaderTransport;
  /** WebUSB: the device (also the training reader); null for a PC/SC reader. */
  readonly device: USBDevice | null;
  /** PC/SC: the reader's name in the stack; null for a WebUSB reader. */
  readonly pcscName: string | null;
  /** From the corpus by VID:PID, else what the device or the PC/SC stack says. */
  readonly name: string;
  readonly training: boolean;
  /** WebUSB: this app's CCID driver on the device, once open. */
  readonly reader: CcidReader | null;
  /** PC/SC: the slot over the Web Smart Card API, once open. */
  readonly pcsc: PcscSlot | null;
  /** USB vendor / product: the device's, or what the PC/SC reader reports (PC/SC part 10); null when unknown. */
  readonly usbId: { readonly vendorId: number; readonly productId: number } | null;
  /** A WebUSB device that is this same PC/SC reader, left to PC/SC (its VID:PID); null when none. */
  readonly webUsbTwin: string | null;
  readonly busy: boolean;
  readonly error: unknown;
  readonly atr: Uint8Array | null;
  readonly cardPresent: boolean | null;
  /** The transport's numbered log lines (headers, lengths, response codes; never data), for the diagnostic report. */
  readonly trace: Trace;
}

/** Whether the page reaches the platform's PC/SC stack. */
export type PcscAvailability =
  | { readonly state: 'absent' }
  | { readonly state: 'starting' }
  | { readonly state: 'ready' }
  | { readonly state: 'unavailable'; readonly error: PcscError };

/** The slot the flows use: slot 0 of the CCID reader, or the PC/SC slot; null while the reader is not open. */
export function readerSlot(entry: ReaderEntry): CardSlot | null {
  return entry.reader?.slots[0] ?? entry.pcsc;
}

/** Lines of transport log kept per reader for support. */
const TRACE_LINES = 400;

/**
 * The USB class of smart card readers, and the vendor class some of them use (CCID 1.1 §4.3).
 * Chrome protects class 0x0B for normal pages (architecture.md): the vendor class is how such a
 * page can reach a reader at all.
 */
export const READER_FILTERS: USBDeviceFilter[] = [{ classCode: 0x0b }, { classCode: 0xff }];

let nextId = 0;
const entryFor = (fields: Pick<ReaderEntry, 'transport' | 'device' | 'pcscName' | 'name' | 'training' | 'usbId'>): ReaderEntry => ({
  id: `reader-${++nextId}`,
  ...fields,
  reader: null,
  pcsc: null,
  webUsbTwin: null,
  busy: false,
  error: null,
  atr: null,
  cardPresent: null,
  trace: createTrace(TRACE_LINES),
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

export function useReaders(usb: USB | null, smartCard: SmartCardResourceManager | null, loadTraining: () => Promise<USBDevice>) {
  const [entries, setEntries] = useState<ReaderEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [pcscState, setPcscState] = useState<PcscAvailability>(smartCard ? { state: 'starting' } : { state: 'absent' });
  /** The entries as async code must see them (the state above is what was rendered). */
  const store = useRef(new Map<string, ReaderEntry>());
  const known = useRef(new Set<USBDevice>());
  /** Settles once the PC/SC stack was asked for its readers (or cannot be): WebUSB devices wait for it. */
  const pcscListed = useRef(deferred());

  const commit = useCallback(() => setEntries([...store.current.values()]), []);
  const put = useCallback(
    (entry: ReaderEntry) => {
      store.current.set(entry.id, entry);
      commit();
    },
    [commit],
  );
  const drop = useCallback(
    (id: string) => {
      store.current.delete(id);
      commit();
    },
    [commit],
  );
  const update = useCallback(
    (id: string, change: Partial<ReaderEntry>) => {
      const entry = store.current.get(id);
      if (entry) put({ ...entry, ...change });
    },
    [put],
  );

  /** Runs one reader action with the "busy" flag set and any failure kept for the view. */
  const act = useCallback(
    async (entry: ReaderEntry, action: () => Promise<Partial<ReaderEntry>>) => {
      update(entry.id, { busy: true, error: null });
      try {
        update(entry.id, { ...(await action()), busy: false });
      } catch (e) {
        update(entry.id, { busy: false, error: e });
      }
    },
    [update],
  );

  const openUsb = useCallback(
    (entry: ReaderEntry, device: USBDevice) =>
      act(entry, async () => {
        const { CcidReader } = await import('./driver');
        const reader = await CcidReader.open(device, { log: (line) => entry.trace.push(line) });
        reader.on('slotchange', ({ present }) => update(entry.id, present ? { cardPresent: true } : { cardPresent: false, atr: null }));
        // The ATR as soon as anyone powers the card (the Pacienți check does), not only "Pornește cardul".
        reader.on('cardpower', ({ slot, atr }) => slot === 0 && update(entry.id, { atr }));
        reader.on('disconnect', (e) => update(entry.id, { reader: null, error: e }));
        const status = await reader.slots[0]?.status();
        return { reader, cardPresent: status ? status.card !== 'absent' : null };
      }),
    [act, update],
  );

  const openPcsc = useCallback(
    (entry: ReaderEntry, name: string, manager: SmartCardResourceManager) =>
      act(entry, async () => {
        // One context per reader: its card watch keeps the context busy between operations.
        const { PcscSlot } = await loadPcscTransport();
        const slot = await PcscSlot.open(await manager.establishContext(), name, { log: (line) => entry.trace.push(line) });
        slot.onCardChange((present) => update(entry.id, present ? { cardPresent: true } : { cardPresent: false, atr: null }));
        const status = await slot.status();
        const { vendorId, productId } = slot.info;
        return { pcsc: slot, cardPresent: status.card !== 'absent', usbId: vendorId !== null && productId !== null ? { vendorId, productId } : null };
      }),
    [act, update],
  );

  /** The PC/SC stack's readers now: new ones are opened, gone ones dropped. */
  const syncPcsc = useCallback(
    async (names: readonly string[], manager: SmartCardResourceManager) => {
      const listed = [...store.current.values()].filter((e) => e.transport === 'pcsc');
      for (const gone of listed.filter((e) => !names.includes(e.pcscName ?? ''))) {
        void gone.pcsc?.close().catch(() => undefined);
        drop(gone.id);
      }
      const added = names.filter((name) => !listed.some((e) => e.pcscName === name));
      await Promise.all(
        added.map(async (name) => {
          const entry = entryFor({ transport: 'pcsc', device: null, pcscName: name, name: pcscNameParts(name).label || name, training: false, usbId: null });
          put(entry);
          await openPcsc(entry, name, manager);
          // A reader this page already drives over WebUSB keeps that transport: no second entry.
          const opened = store.current.get(entry.id);
          const twin = [...store.current.values()].find(
            (e) => e.transport === 'webusb' && !e.training && e.device && sameReader(e.device, { name, vendorId: opened?.usbId?.vendorId ?? null, productId: opened?.usbId?.productId ?? null }),
          );
          if (twin) {
            await opened?.pcsc?.close().catch(() => undefined);
            drop(entry.id);
          }
        }),
      );
    },
    [drop, openPcsc, put],
  );

  useEffect(() => {
    const listed = pcscListed.current;
    if (!smartCard) return listed.resolve();
    let watch: ReaderListWatch | null = null;
    let stopped = false;
    const unavailable = (e: PcscError) => {
      setPcscState({ state: 'unavailable', error: e });
      listed.resolve();
    };
    void Promise.all([smartCard.establishContext(), loadPcscTransport()]).then(
      ([context, { watchReaderList }]) => {
        if (stopped) return;
        setPcscState({ state: 'ready' });
        watch = watchReaderList(context, (names) => void syncPcsc(names, smartCard).then(listed.resolve), unavailable);
      },
      (e: unknown) => unavailable(pcscError('establishContext', e)),
    );
    return () => {
      stopped = true;
      watch?.stop();
    };
  }, [smartCard, syncPcsc]);

  /** Adds a WebUSB reader once, unless PC/SC serves the same reader; looks its name up and opens it. */
  const add = useCallback(
    async (device: USBDevice, training: boolean) => {
      if (known.current.has(device)) return;
      known.current.add(device);
      if (!training) {
        await pcscListed.current.promise;
        const twin = [...store.current.values()].find(
          (e) => e.transport === 'pcsc' && sameReader(device, { name: e.pcscName ?? '', vendorId: e.usbId?.vendorId ?? null, productId: e.usbId?.productId ?? null }),
        );
        if (twin) return update(twin.id, { webUsbTwin: vidPid(device.vendorId, device.productId) });
      }
      const entry = entryFor({ transport: 'webusb', device, pcscName: null, name: device.productName ?? 'USB', training, usbId: { vendorId: device.vendorId, productId: device.productId } });
      put(entry);
      void readerName(device).then((name) => update(entry.id, { name }));
      await openUsb(entry, device);
    },
    [openUsb, put, update],
  );

  useEffect(() => {
    if (!usb) return;
    void usb.getDevices().then((devices) => devices.forEach((d) => void add(d, false)));
    const onConnect = (event: Event) => {
      // A reader plugged back in is found by itself (a permission the browser keeps, or a policy):
      // "unplugged, plug it in and press Conectează cititorul" no longer holds.
      setError((e: unknown) => (e instanceof DeviceDisconnectedError ? null : e));
      void add((event as USBConnectionEvent).device, false);
    };
    const onDisconnect = (event: Event) => {
      const device = (event as USBConnectionEvent).device;
      known.current.delete(device);
      for (const entry of [...store.current.values()]) {
        if (entry.device !== device) continue;
        // An open reader says it was unplugged, whether the platform's event or the driver's own
        // failed transfer came first (both orders seen with Chromium over USB/IP; tests/browser-usb).
        if (entry.reader) entry.reader.transport.markDisconnected(event);
        if (entry.reader || entry.error instanceof DeviceDisconnectedError) setError(new DeviceDisconnectedError(`${entry.name} was unplugged`));
        drop(entry.id);
      }
    };
    usb.addEventListener('connect', onConnect);
    usb.addEventListener('disconnect', onDisconnect);
    return () => {
      usb.removeEventListener('connect', onConnect);
      usb.removeEventListener('disconnect', onDisconnect);
    };
  }, [usb, add, drop]);

  const requestReader = useCallback(async () => {
    if (!usb) return;
    setError(null);
    try {
      await add(await usb.requestDevice({ filters: READER_FILTERS }), false);
    } catch (e) {
      setError(e);
    }
  }, [usb, add]);

  const addTrainingReader = useCallback(async () => {
    setError(null);
    await add(await loadTraining(), true);
  }, [add, loadTraining]);

  const open = (entry: ReaderEntry) => {
    if (entry.device) return openUsb(entry, entry.device);
    if (entry.pcscName && smartCard) return openPcsc(entry, entry.pcscName, smartCard);
    return Promise.resolve();
  };

  const close = (entry: ReaderEntry) =>
    act(entry, async () => {
      await entry.reader?.close();
      await entry.pcsc?.close();
      return { reader: null, pcsc: null, atr: null };
    });

  const powerOn = (entry: ReaderEntry) =>
    act(entry, async () => {
      const atr = await readerSlot(entry)?.powerOn();
      return { atr: atr ?? null, cardPresent: true };
    });

  return { entries, error, pcsc: pcscState, requestReader, addTrainingReader, open, close, powerOn };
}
