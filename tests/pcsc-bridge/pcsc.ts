/**
 * A small PC/SC client for the real-stack suites, over the pyscard bridge's backend: one context,
 * waits for readers, connects, transmits, controls, and turns a return code other than
 * SCARD_S_SUCCESS into an error that names it.
 */
import type { PcscBackend } from '../support/web-smart-card/api';
import { DISPOSITION, PROTOCOL, SCARD, SHARE, STATE, hex32 } from '../support/web-smart-card/pcsc-codes';

/** SCARD_CTL_CODE(3400) on pcsc-lite: 0x42000000 + 3400 (PC/SC part 10 §2.2, CM_IOCTL_GET_FEATURE_REQUEST). */
export const CM_IOCTL_GET_FEATURE_REQUEST = 0x42000000 + 3400;

/** pcsc-lite's name of a return code, e.g. "SCARD_E_NO_SMARTCARD". */
export function scardName(code: number): string {
  const entry = Object.entries(SCARD).find(([, value]) => value === code >>> 0);
  return entry ? `SCARD_${entry[0]}` : hex32(code);
}

export class PcscCallError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
  ) {
    super(`${call}: ${scardName(code)}`);
    this.name = 'PcscCallError';
  }
}

export interface Connection {
  readonly handle: number;
  readonly protocol: number;
  readonly reader: string;
}

/** An answer and how long pcsc-lite took (ms, measured in the bridge), or a return code. */
export interface Answer {
  readonly code: number;
  readonly data: Uint8Array;
  readonly ms: number;
}

export interface PcscClient {
  readers(): Promise<string[]>;
  /** Resolves with the first reader `matches` accepts, once pcscd lists it. */
  waitForReader(matches: (name: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves once no listed reader matches (pcscd dropped it). */
  waitForNoReader(matches: (name: string) => boolean, timeoutMs?: number): Promise<void>;
  /** SCardGetStatusChange until the reader's state has `bit` (STATE.present, STATE.empty …) and is available. */
  waitForState(reader: string, bit: number, timeoutMs?: number): Promise<number>;
  connect(reader: string, share?: number, protocols?: number): Promise<Connection>;
  /** SCardTransmit; rejects unless SCARD_S_SUCCESS. */
  transmit(connection: Connection, apdu: Uint8Array): Promise<Answer>;
  /** SCardTransmit with its return code, for the fault cases that expect a failure. */
  transmitCode(connection: Connection, apdu: Uint8Array): Promise<Answer>;
  control(connection: Connection, code: number, data: Uint8Array): Promise<Uint8Array>;
  /** CM_IOCTL_GET_FEATURE_REQUEST: PC/SC part 10 §2.3 TLV (tag, 4, control code big-endian). */
  features(connection: Connection): Promise<Map<number, number>>;
  status(connection: Connection): Promise<{ atr: Uint8Array; state: number; protocol: number }>;
  /** SCardDisconnect; resolves with its return code (a removed card's handle answers with a warning). */
  disconnect(connection: Connection, disposition?: number): Promise<number>;
  release(): Promise<void>;
}

export async function openPcscClient(backend: PcscBackend): Promise<PcscClient> {
  const ok = <T extends { code: number }>(call: string, answer: T): T => {
    if (answer.code !== SCARD.S_SUCCESS) throw new PcscCallError(call, answer.code);
    return answer;
  };
  const { context } = ok('SCardEstablishContext', await backend.establishContext());
  const readers = async (): Promise<string[]> => {
    const answer = await backend.listReaders(context);
    if (answer.code === SCARD.E_NO_READERS_AVAILABLE) return [];
    return ok('SCardListReaders', answer).readers;
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
  const transmitCode = async (connection: Connection, apdu: Uint8Array): Promise<Answer> => {
    const answer = await backend.transmit(connection.handle, connection.protocol, apdu);
    return { code: answer.code, data: answer.data, ms: answer.ms ?? 0 };
  };
  const control = async (connection: Connection, code: number, data: Uint8Array) =>
    ok('SCardControl', await backend.control(connection.handle, code, data)).data;
  return {
    readers,
    waitForReader: (matches, timeoutMs = 60_000) => poll('reader listed by pcscd', async () => (await readers()).find(matches) ?? null, timeoutMs),
    waitForNoReader: (matches, timeoutMs = 60_000) =>
      poll('reader gone from pcscd', async () => ((await readers()).some(matches) ? null : true), timeoutMs).then(() => undefined),
    async waitForState(reader, bit, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let current: number = STATE.unaware;
      for (;;) {
        const answer = ok('SCardGetStatusChange', await backend.getStatusChange(context, Math.max(0, deadline - Date.now()), [{ reader, currentState: current }]));
        const state = answer.states[0]?.eventState ?? 0;
        // A reader still being set up by its driver shows "unavailable": not yet usable.
        if (state & bit && !(state & STATE.unavailable)) return state;
        current = state & ~STATE.changed;
      }
    },
    async connect(reader, share = SHARE.shared, protocols = PROTOCOL.t0 | PROTOCOL.t1) {
      const { handle, protocol } = ok('SCardConnect', await backend.connect(context, reader, share, protocols));
      return { handle, protocol, reader };
    },
    transmitCode,
    async transmit(connection, apdu) {
      return ok('SCardTransmit', await transmitCode(connection, apdu));
    },
    control,
    async features(connection) {
      const data = await control(connection, CM_IOCTL_GET_FEATURE_REQUEST, new Uint8Array(0));
      const features = new Map<number, number>();
      for (let at = 0; at + 6 <= data.length; at += 2 + (data[at + 1] ?? 0)) {
        features.set(data[at] ?? 0, new DataView(data.buffer, data.byteOffset + at + 2, 4).getUint32(0));
      }
      return features;
    },
    async status(connection) {
      const { atr, state, protocol } = ok('SCardStatus', await backend.status(connection.handle));
      return { atr, state, protocol };
    },
    disconnect: (connection, disposition = DISPOSITION.leave) => backend.disconnect(connection.handle, disposition),
    async release() {
      await backend.cancel(context).catch(() => undefined);
    },
  };
}
