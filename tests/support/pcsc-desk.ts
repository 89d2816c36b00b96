/**
 * A desk whose reader is reached through the Web Smart Card API: a corpus reader (src/sim) behind
 * the PC/SC stand-in (web-smart-card/sim-backend.ts), the spec-conformant API over it, and a
 * PcscSlot on its own context — what the app gets on ChromeOS with the Smart Card Connector.
 */
import { toHex } from '../../src/ccid';
import { PcscSlot, type PcscSlotOptions } from '../../src/pcsc';
import { createVirtualEcard, type VirtualEcard, type VirtualEcardOptions, type VirtualPinpadOptions, type VirtualReader } from '../../src/sim';
import { createSmartCardResourceManager, type PcscBackend } from './web-smart-card/api';
import { createSimPcsc, type SimPcsc } from './web-smart-card/sim-backend';
import { virtualReader } from './readers';
import type { SmartCardResourceManager } from '../../src/pcsc';

export interface ControlCall {
  readonly code: number;
  readonly dataHex: string;
  /** What the stack answered: its RESPONSECODE and the bytes (empty unless it succeeded). */
  readonly answer: { readonly code: number; readonly dataHex: string };
}

export interface PcscDesk {
  readonly virtual: VirtualReader;
  readonly card: VirtualEcard;
  readonly sim: SimPcsc;
  readonly manager: SmartCardResourceManager;
  readonly readerName: string;
  readonly slot: PcscSlot;
  /** Every SCardControl() the app made, as the stack received it. */
  readonly controls: readonly ControlCall[];
  /** PC/SC calls that the stack received while another one of the same context was running (must stay empty). */
  readonly overlaps: readonly string[];
}

/**
 * Records control() calls (what the app sent, what the stack answered) and checks the backend never
 * sees two calls of one context at once; used over the stand-in here and over real pcsc-lite in the
 * QEMU guest (tests/pcsc-bridge/guest-pcsc.ts).
 */
export function recordingBackend(backend: PcscBackend, controls: ControlCall[], overlaps: string[]): PcscBackend {
  const running = new Map<number, string>();
  const handles = new Map<number, number>();
  const guard = <A extends [number, ...unknown[]], R>(name: string, contextOf: (first: number) => number, call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    const context = contextOf(args[0]);
    const busy = running.get(context);
    if (busy) overlaps.push(`${name} while ${busy}`);
    running.set(context, name);
    try {
      return await call(...args);
    } finally {
      if (running.get(context) === name) running.delete(context);
    }
  };
  const byHandle = (handle: number) => handles.get(handle) ?? -handle;
  return {
    ...backend,
    listReaders: guard('listReaders', (c) => c, backend.listReaders),
    getStatusChange: guard('getStatusChange', (c) => c, backend.getStatusChange),
    connect: guard('connect', (c) => c, async (context: number, reader: string, share: number, protocols: number) => {
      const answer = await backend.connect(context, reader, share, protocols);
      if (answer.code === 0) handles.set(answer.handle, context);
      return answer;
    }),
    transmit: guard('transmit', byHandle, backend.transmit),
    status: guard('status', byHandle, backend.status),
    disconnect: guard('disconnect', byHandle, backend.disconnect),
    control: guard('control', byHandle, async (handle: number, code: number, data: Uint8Array) => {
      const answer = await backend.control(handle, code, data);
      controls.push({ code, dataHex: toHex(data), answer: { code: answer.code, dataHex: toHex(answer.data) } });
      return answer;
    }),
  };
}

export async function pcscDesk(
  file: string,
  options: { readonly pinpad?: boolean | VirtualPinpadOptions; readonly card?: VirtualEcardOptions; readonly slot?: PcscSlotOptions } = {},
): Promise<PcscDesk> {
  const virtual = virtualReader(file, options.pinpad ? { pinpad: options.pinpad } : {});
  const card = createVirtualEcard(options.card ?? { state: 'active' });
  virtual.insert(card);
  const sim = createSimPcsc();
  const readerName = await sim.attach(virtual);
  const controls: ControlCall[] = [];
  const overlaps: string[] = [];
  const manager = createSmartCardResourceManager(recordingBackend(sim.backend, controls, overlaps));
  const slot = await PcscSlot.open(await manager.establishContext(), readerName, options.slot ?? {});
  return { virtual, card, sim, manager, readerName, slot, controls, overlaps };
}
