/**
 * The readers the page knows: those the user granted (navigator.usb), and the training reader.
 * State lives here; views only render it.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { CcidReader } from '../../ccid';

export interface ReaderEntry {
  readonly id: string;
  readonly device: USBDevice;
  readonly training: boolean;
  readonly reader: CcidReader | null;
  readonly busy: boolean;
  readonly error: unknown;
  readonly atr: Uint8Array | null;
  readonly cardPresent: boolean | null;
}

/** The USB class of smart card readers and the vendor class some of them use (CCID 1.1 §4.3). */
export const READER_FILTERS: USBDeviceFilter[] = [{ classCode: 0x0b }, { classCode: 0xff }];

let nextId = 0;
const entryFor = (device: USBDevice, training: boolean): ReaderEntry => ({
  id: `reader-${++nextId}`,
  device,
  training,
  reader: null,
  busy: false,
  error: null,
  atr: null,
  cardPresent: null,
});

export function useReaders(usb: USB | null, loadTraining: () => Promise<USBDevice>) {
  const [entries, setEntries] = useState<ReaderEntry[]>([]);
  const [error, setError] = useState<unknown>(null);

  const update = useCallback((id: string, change: Partial<ReaderEntry>) => {
    setEntries((list) => list.map((e) => (e.id === id ? { ...e, ...change } : e)));
  }, []);

  const add = useCallback((device: USBDevice, training: boolean) => {
    setEntries((list) => (list.some((e) => e.device === device) ? list : [...list, entryFor(device, training)]));
  }, []);

  useEffect(() => {
    if (!usb) return;
    void usb.getDevices().then((devices) => devices.forEach((d) => add(d, false)));
    const onConnect = (event: Event) => add((event as USBConnectionEvent).device, false);
    const onDisconnect = (event: Event) => {
      const device = (event as USBConnectionEvent).device;
      setEntries((list) => {
        list.find((e) => e.device === device)?.reader?.transport.markDisconnected(event);
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

  const open = (entry: ReaderEntry) =>
    act(entry, async () => {
      const reader = await CcidReader.open(entry.device);
      reader.on('slotchange', ({ present }) => update(entry.id, present ? { cardPresent: true } : { cardPresent: false, atr: null }));
      reader.on('disconnect', (e) => update(entry.id, { reader: null, error: e }));
      const status = await reader.slots[0]?.status();
      return { reader, cardPresent: status ? status.card !== 'absent' : null };
    });

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
