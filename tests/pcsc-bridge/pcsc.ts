/**
 * A small PC/SC client over the bridge for the real-stack suites: one context, waits for readers,
 * connects, transmits, controls, and turns a return code other than SCARD_S_SUCCESS into an error
 * that names it. Bytes are Uint8Array on this side.
 */
import { fromHex, toHex } from '../../src/ccid';
import { CM_IOCTL_GET_FEATURE_REQUEST, DISPOSITION, PROTOCOL, SCARD, SHARE, STATE, scardName, type PcscBridge } from './client';

export class PcscCallError extends Error {
  constructor(
    readonly call: string,
    readonly rc: number,
  ) {
    super(`${call}: ${scardName(rc)}`);
    this.name = 'PcscCallError';
  }
}

export interface Connection {
  readonly card: number;
  readonly protocol: number;
  readonly reader: string;
}

/** A timed answer: the bytes and how long pcsc-lite took (ms, measured in the bridge). */
export interface Timed {
  readonly data: Uint8Array;
  readonly ms: number;
}

export interface PcscClient {
  readonly context: number;
  readers(): Promise<string[]>;
  /** Resolves with the first reader `matches` accepts, once pcscd lists it. */
  waitForReader(matches: (name: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once no listed reader matches (pcscd dropped it). */
  waitForNoReader(matches: (name: string) => boolean, timeoutMs?: number): Promise<void>;
  /** SCardGetStatusChange until the reader's state has `bit` (STATE.present, STATE.empty …) and is available. */
  waitForState(reader: string, bit: number, timeoutMs?: number): Promise<number>;
  connect(reader: string, share?: number, protocols?: number): Promise<Connection>;
  transmit(connection: Connection, apdu: Uint8Array): Promise<Timed>;
  control(connection: Connection, code: number, data: Uint8Array): Promise<Timed>;
  /** CM_IOCTL_GET_FEATURE_REQUEST: PC/SC part 10 §2.3 TLV (tag, 4, control code big-endian). */
  features(connection: Connection): Promise<Map<number, number>>;
  status(connection: Connection): Promise<{ atr: Uint8Array; state: number; protocol: number }>;
  disconnect(connection: Connection, disposition?: number): Promise<void>;
  /** The raw return code of a call, for the fault cases that expect a failure. */
  tryCall(name: string, args: Record<string, unknown>): Promise<{ rc: number; data: Uint8Array; ms: number }>;
  release(): Promise<void>;
}

export async function openPcscClient(bridge: PcscBridge): Promise<PcscClient> {
  const call = async <R>(name: string, args: Record<string, unknown> = {}): Promise<{ result: R; ms: number }> => {
    const answer = await bridge.call<R>(name, args);
    if (answer.rc !== SCARD.S_SUCCESS) throw new PcscCallError(name, answer.rc);
    return answer;
  };
  const { result } = await call<{ context: number }>('SCardEstablishContext');
  const context = result.context;
  const readers = async (): Promise<string[]> => {
    const answer = await bridge.call<{ readers: string[] }>('SCardListReaders', { context });
    if (answer.rc === SCARD.E_NO_READERS_AVAILABLE) return [];
    if (answer.rc !== SCARD.S_SUCCESS) throw new PcscCallError('SCardListReaders', answer.rc);
    return answer.result.readers;
  };
  const control = async (connection: Connection, code: number, data: Uint8Array): Promise<Timed> => {
    const { result: r, ms } = await call<{ data: string }>('SCardControl', { card: connection.card, code, data: toHex(data, '') });
    return { data: fromHex(r.data), ms };
  };
  const poll = async <T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== null) return found;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (readers: ${JSON.stringify(await readers())})`);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  };
  return {
    context,
    readers,
    waitForReader: (matches, timeoutMs = 60_000) =>
      poll('reader listed by pcscd', async () => (await readers()).find(matches) ?? null, timeoutMs),
    waitForNoReader: (matches, timeoutMs = 60_000) =>
      poll('reader gone from pcscd', async () => ((await readers()).some(matches) ? null : true), timeoutMs).then(() => undefined),
    async waitForState(reader, bit, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let current: number = STATE.unaware;
      for (;;) {
        const answer = await bridge.call<{ states: { eventState: number }[] }>('SCardGetStatusChange', {
          context,
          timeoutMs: Math.max(0, deadline - Date.now()),
          states: [{ reader, currentState: current }],
        });
        if (answer.rc !== SCARD.S_SUCCESS) throw new PcscCallError('SCardGetStatusChange', answer.rc);
        const state = answer.result.states[0]?.eventState ?? 0;
        // A reader still being set up by its driver shows "unavailable": not yet usable.
        if (state & bit && !(state & STATE.unavailable)) return state;
        current = state & ~STATE.changed;
      }
    },
    async connect(reader, share = SHARE.shared, protocols = PROTOCOL.t0 | PROTOCOL.t1) {
      const { result: r } = await call<{ card: number; protocol: number }>('SCardConnect', { context, reader, shareMode: share, preferredProtocols: protocols });
      return { card: r.card, protocol: r.protocol, reader };
    },
    async transmit(connection, apdu) {
      const { result: r, ms } = await call<{ data: string }>('SCardTransmit', { card: connection.card, protocol: connection.protocol, data: toHex(apdu, '') });
      return { data: fromHex(r.data), ms };
    },
    control,
    async features(connection) {
      const { data } = await control(connection, CM_IOCTL_GET_FEATURE_REQUEST, new Uint8Array(0));
      const features = new Map<number, number>();
      for (let at = 0; at + 6 <= data.length; at += 2 + (data[at + 1] ?? 0)) {
        features.set(data[at] ?? 0, new DataView(data.buffer, data.byteOffset + at + 2, 4).getUint32(0));
      }
      return features;
    },
    async status(connection) {
      const { result: r } = await call<{ atr: string; state: number; protocol: number }>('SCardStatus', { card: connection.card });
      return { atr: fromHex(r.atr), state: r.state, protocol: r.protocol };
    },
    async disconnect(connection, disposition = DISPOSITION.leave) {
      await call('SCardDisconnect', { card: connection.card, disposition });
    },
    async tryCall(name, args) {
      const answer = await bridge.call<{ data?: string }>(name, args);
      return { rc: answer.rc, data: fromHex(answer.result.data ?? ''), ms: answer.ms };
    },
    async release() {
      await bridge.call('SCardReleaseContext', { context });
    },
  };
}
