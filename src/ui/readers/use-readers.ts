/**
 * The readers the page knows: those the user granted (navigator.usb), and the training reader.
 * A reader is opened as soon as it is known (granted on load, `connect`, "Conectează cititorul").
 * State lives here; views only render it.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DeviceDisconnectedError, type CcidReader } from '../../ccid';
import { createTrace, type Trace } from '../diagnostics/report';
import { readerName } from './reader-names';

export interface ReaderEntry {
  readonly id: string;
  readonly device: USBDevice;
  /** From the corpus by VID:PID, else what the device says. */
  readonly name: string;
  readonly training: boolean;
  readonly reader: CcidReader | null;
  readonly busy: boolean;
  readonly error: unknown;
  readonly atr: Uint8Array | null;
  readonly cardPresent: boolean | null;
  /** The driver's numbered log lines (headers only), for the diagnostic report. */
  readonly trace: Trace;
}

/** Lines of driver log kept per reader for support. */
const TRACE_LINES = 400;

/**
 * The USB class of smart card readers, and the vendor class some of them use (CCID 1.1 §4.3).
 * Chrome protects class 0x0B for normal pages (architecture.md): the vendor class is how such a
 * page can reach a reader at all.
 */
export const READER_FILTERS: USBDeviceFilter[] = [{ classCode: 0x0b }, { classCode: 0xff }];

let nextId = 0;
const entryFor = (device: USBDevice, training: boolean): ReaderEntry => ({
  id: `reader-${++nextId}`,
  device,
  name: device.productName ?? 'USB',
  training,
  reader: null,
  busy: false,
  error: null,
  atr: null,
  cardPresent: null,
  trace: createTrace(TRACE_LINES),
});

export function useReaders(usb: USB | null, loadTraining: () => Promise<USBDevice>) {
  const [entries, setEntries] = useState<ReaderEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  const known = useRef(new Set<USBDevice>());

  const update = useCallback((id: string, change: Partial<ReaderEntry>) => {
    setEntries((list) => list.map((e) => (e.id === id ? { ...e, ...change } : e)));
  }, []);

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

  const open = useCallback(
    (entry: ReaderEntry) =>
      act(entry, async () => {
        const { CcidReader } = await import('./driver');
        const reader = await CcidReader.open(entry.device, { log: (line) => entry.trace.push(line) });
        reader.on('slotchange', ({ present }) => update(entry.id, present ? { cardPresent: true } : { cardPresent: false, atr: null }));
        // The ATR as soon as anyone powers the card (the Pacienți check does), not only "Pornește cardul".
        reader.on('cardpower', ({ slot, atr }) => slot === 0 && update(entry.id, { atr }));
        reader.on('disconnect', (e) => update(entry.id, { reader: null, error: e }));
        const status = await reader.slots[0]?.status();
        return { reader, cardPresent: status ? status.card !== 'absent' : null };
      }),
    [act, update],
  );

  /** Adds a reader once, looks its name up and opens it. */
  const add = useCallback(
    (device: USBDevice, training: boolean) => {
      if (known.current.has(device)) return;
      known.current.add(device);
      const entry = entryFor(device, training);
      setEntries((list) => [...list, entry]);
      void readerName(device).then((name) => update(entry.id, { name }));
      void open(entry);
    },
    [open, update],
  );

  useEffect(() => {
    if (!usb) return;
    void usb.getDevices().then((devices) => devices.forEach((d) => add(d, false)));
    const onConnect = (event: Event) => add((event as USBConnectionEvent).device, false);
    const onDisconnect = (event: Event) => {
      const device = (event as USBConnectionEvent).device;
      known.current.delete(device);
      setEntries((list) => {
        const gone = list.find((e) => e.device === device);
        if (gone?.reader) {
          gone.reader.transport.markDisconnected(event);
          setError(new DeviceDisconnectedError(`${gone.name} was unplugged`));
        }
        return list.filter((e) => e.device !== device);
      });
    };
    usb.addEventListener('connect', onConnect);
    usb.addEventListener('disconnect', onDisconnect);
    return () => {
      usb.removeEventListener('connect', onConnect);
      usb.removeEventListener('disconnect', onDisconnect);
    };
  }, [usb, add]);

  const requestReader = useCallback(async () => {
    if (!usb) return;
    setError(null);
    try {
      add(await usb.requestDevice({ filters: READER_FILTERS }), false);
    } catch (e) {
      setError(e);
    }
  }, [usb, add]);

  const addTrainingReader = useCallback(async () => {
    setError(null);
    add(await loadTraining(), true);
  }, [add, loadTraining]);

  const close = (entry: ReaderEntry) =>
    act(entry, async () => {
      await entry.reader?.close();
      return { reader: null, atr: null };
    });

  const powerOn = (entry: ReaderEntry) =>
    act(entry, async () => {
      const atr = await entry.reader?.slots[0]?.powerOn();
      return { atr: atr ?? null, cardPresent: true };
    });

  return { entries, error, requestReader, addTrainingReader, open, close, powerOn };
}
