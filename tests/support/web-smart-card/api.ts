/**
 * The Web Smart Card API (WICG web-smart-card index.bs) over any PC/SC backend that speaks
 * pcsc-lite's numbers: the in-page fake of the e2e (backend: our simulator standing in for
 * pcsc-lite + libccid, sim-backend.ts) and the Node bridge to real pcsc-lite (backend: pyscard,
 * tests/pcsc-bridge/). Both therefore follow the same IDL and error rules, written once here from
 * the spec's algorithms:
 *
 * - §SmartCardContext [[operationInProgress]]: a second call on a context, or on one of its
 *   connections, while one runs rejects with "InvalidStateError"; it is cleared when the PC/SC
 *   call returns, and clearing it ends transactions whose callback settled meanwhile.
 * - §getStatusChange(): `timeout` (absent: INFINITE), `signal` → Cancel(); SCARD_E_CANCELLED after an
 *   abort rejects with the abort reason.
 * - §SmartCardError "corresponding" exception for every PC/SC code (SCARD_E_TIMEOUT is not listed,
 *   so a timed-out getStatusChange rejects with "UnknownError"; Chromium since 2025 says
 *   "TimeoutError" — the app relies on neither).
 * - §startTransaction() with its transaction state and pending dispositions.
 *
 * Where pcsc-lite differs from the spec's wording, pcsc-lite's behaviour is kept and said so:
 * SCardStatus() returns combined flags (present | powered | specific), reduced to the most specific
 * state as Chromium does (behavioral-differences.md of the spec repository).
 */
import type {
  SmartCardAccessMode,
  SmartCardBufferSource,
  SmartCardConnectOptions,
  SmartCardConnectResult,
  SmartCardConnection,
  SmartCardConnectionState,
  SmartCardConnectionStatus,
  SmartCardContext,
  SmartCardDisposition,
  SmartCardGetStatusChangeOptions,
  SmartCardProtocol,
  SmartCardReaderStateFlagsIn,
  SmartCardReaderStateFlagsOut,
  SmartCardReaderStateIn,
  SmartCardReaderStateOut,
  SmartCardResourceManager,
  SmartCardResponseCode,
  SmartCardTransactionCallback,
  SmartCardTransactionOptions,
  SmartCardTransmitOptions,
} from '../../../src/pcsc/web-smart-card';
import { CARD, DISPOSITION, INFINITE, PROTOCOL, SCARD, SHARE, STATE } from './pcsc-codes';

/** What a PC/SC stack answers; `code` is a pcsc-lite RESPONSECODE, the other fields only mean something on success. */
export interface PcscBackend {
  establishContext(): Promise<{ code: number; context: number }>;
  listReaders(context: number): Promise<{ code: number; readers: string[] }>;
  getStatusChange(
    context: number,
    timeoutMs: number,
    states: readonly { readonly reader: string; readonly currentState: number }[],
  ): Promise<{ code: number; states: { reader: string; eventState: number; atr: Uint8Array }[] }>;
  /** SCardCancel(): ends the context's blocking getStatusChange with SCARD_E_CANCELLED. */
  cancel(context: number): Promise<number>;
  connect(context: number, reader: string, share: number, protocols: number): Promise<{ code: number; handle: number; protocol: number }>;
  disconnect(handle: number, disposition: number): Promise<number>;
  /** `ms`: how long the PC/SC stack took, where the backend measures it (the pyscard bridge does). */
  transmit(handle: number, protocol: number, data: Uint8Array): Promise<{ code: number; data: Uint8Array; ms?: number }>;
  control(handle: number, controlCode: number, data: Uint8Array): Promise<{ code: number; data: Uint8Array }>;
  status(handle: number): Promise<{ code: number; reader: string; state: number; protocol: number; atr: Uint8Array }>;
  getAttrib(handle: number, tag: number): Promise<{ code: number; data: Uint8Array }>;
  setAttrib(handle: number, tag: number, data: Uint8Array): Promise<number>;
  beginTransaction(handle: number): Promise<number>;
  endTransaction(handle: number, disposition: number): Promise<number>;
}

/** §SmartCardError. */
export class SmartCardErrorImpl extends DOMException {
  readonly responseCode: SmartCardResponseCode;
  constructor(message: string, options: { responseCode: SmartCardResponseCode }) {
    super(message, 'SmartCardError');
    this.responseCode = options.responseCode;
  }
}

const RESPONSE_CODES: ReadonlyMap<number, SmartCardResponseCode> = new Map([
  [SCARD.E_NO_SERVICE, 'no-service'],
  [SCARD.E_NO_SMARTCARD, 'no-smartcard'],
  [SCARD.E_NOT_READY, 'not-ready'],
  [SCARD.E_NOT_TRANSACTED, 'not-transacted'],
  [SCARD.E_PROTO_MISMATCH, 'proto-mismatch'],
  [SCARD.E_READER_UNAVAILABLE, 'reader-unavailable'],
  [SCARD.W_REMOVED_CARD, 'removed-card'],
  [SCARD.W_RESET_CARD, 'reset-card'],
  [SCARD.E_SERVER_TOO_BUSY, 'server-too-busy'],
  [SCARD.E_SHARING_VIOLATION, 'sharing-violation'],
  [SCARD.E_SYSTEM_CANCELLED, 'system-cancelled'],
  [SCARD.E_UNKNOWN_READER, 'unknown-reader'],
  [SCARD.W_UNPOWERED_CARD, 'unpowered-card'],
  [SCARD.W_UNRESPONSIVE_CARD, 'unresponsive-card'],
  [SCARD.W_UNSUPPORTED_CARD, 'unsupported-card'],
  [SCARD.E_UNSUPPORTED_FEATURE, 'unsupported-feature'],
]);

/** §SmartCardError: the exception "corresponding" to a RESPONSECODE other than SCARD_S_SUCCESS. */
export function exceptionFor(code: number): Error {
  const hex = `0x${(code >>> 0).toString(16).toUpperCase()}`;
  const responseCode = RESPONSE_CODES.get(code >>> 0);
  if (responseCode) return new SmartCardErrorImpl(`PC/SC ${hex}`, { responseCode });
  if (code === SCARD.E_INVALID_PARAMETER) return new TypeError(`PC/SC ${hex}: invalid parameter`);
  if (code === SCARD.E_INVALID_HANDLE || code === SCARD.E_SERVICE_STOPPED) return new DOMException(`PC/SC ${hex}`, 'InvalidStateError');
  if (code === SCARD.P_SHUTDOWN) return new DOMException(`PC/SC ${hex}`, 'AbortError');
  return new DOMException(`PC/SC ${hex}`, 'UnknownError');
}

const busy = () => new DOMException('An operation is in progress on this smart card context.', 'InvalidStateError');
const invalidState = (why: string) => new DOMException(why, 'InvalidStateError');

/** §SmartCardReaderStateFlagsIn / §SmartCardReaderStateFlagsOut members; each is the SCARD_STATE_* flag of its name. */
const FLAGS_IN = ['unaware', 'ignore', 'unavailable', 'empty', 'present', 'exclusive', 'inuse', 'mute', 'unpowered'] as const satisfies readonly (keyof SmartCardReaderStateFlagsIn & keyof typeof STATE)[];
const FLAGS_OUT = ['ignore', 'changed', 'unavailable', 'unknown', 'empty', 'present', 'exclusive', 'inuse', 'mute', 'unpowered'] as const satisfies readonly (keyof SmartCardReaderStateFlagsOut & keyof typeof STATE)[];

/** §SmartCardReaderStateIn "corresponding" SCARD_READERSTATE: flags, and the count in the high word. */
function readerStateIn(state: SmartCardReaderStateIn): { reader: string; currentState: number } {
  if (typeof state?.readerName !== 'string' || typeof state.currentState !== 'object' || state.currentState === null) {
    throw new TypeError('SmartCardReaderStateIn needs readerName and currentState');
  }
  let dword = 0;
  for (const name of FLAGS_IN) if (state.currentState[name]) dword |= STATE[name];
  if (state.currentCount !== undefined) dword = ((dword & 0xffff) | (unsignedLong(state.currentCount) << 16)) >>> 0;
  return { reader: state.readerName, currentState: dword };
}

function readerStateOut(state: { reader: string; eventState: number; atr: Uint8Array }): SmartCardReaderStateOut {
  const flags = {} as Record<keyof SmartCardReaderStateFlagsOut, boolean>;
  for (const name of FLAGS_OUT) flags[name] = (state.eventState & STATE[name]) !== 0;
  return { readerName: state.reader, eventState: flags, eventCount: state.eventState >>> 16, answerToReset: copyToArrayBuffer(state.atr) };
}

function unsignedLong(value: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`not an unsigned long: ${value}`);
  return Math.trunc(value) >>> 0;
}

/** [EnforceRange] unsigned long. */
function enforceRange(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.trunc(value) < 0 || Math.trunc(value) > 0xffffffff) {
    throw new TypeError(`${what}: not in the range of an unsigned long`);
  }
  return Math.trunc(value);
}

function bufferSourceCopy(data: SmartCardBufferSource): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (data instanceof ArrayBuffer) return new Uint8Array(data).slice();
  throw new TypeError('not a BufferSource');
}

function copyToArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

function enumValue<T extends string>(value: unknown, allowed: Readonly<Record<T, number>>, what: string): number {
  if (typeof value !== 'string' || !(value in allowed)) throw new TypeError(`${what}: ${String(value)} is not a valid enum value`);
  return allowed[value as T];
}

const ACCESS_MODES: Readonly<Record<SmartCardAccessMode, number>> = SHARE;
const PROTOCOLS: Readonly<Record<SmartCardProtocol, number>> = { raw: PROTOCOL.raw, t0: PROTOCOL.t0, t1: PROTOCOL.t1 };
const DISPOSITIONS: Readonly<Record<SmartCardDisposition, number>> = DISPOSITION;

function protocolName(dword: number): SmartCardProtocol | undefined {
  return dword === PROTOCOL.t0 ? 't0' : dword === PROTOCOL.t1 ? 't1' : dword === PROTOCOL.raw ? 'raw' : undefined;
}

/** SCardStatus() flags → §SmartCardConnectionState; pcsc-lite combines them, the most specific one wins. */
function connectionState(state: number, protocol: number): SmartCardConnectionState | undefined {
  const s = state & 0xffff;
  if (s & CARD.specific) return protocolName(protocol);
  if (s & CARD.negotiable) return protocolName(protocol) ?? 'negotiable';
  if (s & CARD.powered) return 'powered';
  if (s & CARD.swallowed) return 'swallowed';
  if (s & CARD.present) return 'present';
  if (s & CARD.absent) return 'absent';
  return undefined;
}

/** §SmartCardResourceManager over `backend`. */
export function createSmartCardResourceManager(backend: PcscBackend): SmartCardResourceManager {
  return {
    async establishContext() {
      const { code, context } = await backend.establishContext();
      if (code !== SCARD.S_SUCCESS) throw exceptionFor(code);
      return new ContextImpl(backend, context);
    },
  };
}

interface TransactionState {
  pendingDisposition: SmartCardDisposition | null;
  pendingException: unknown;
  hasException: boolean;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
}

class ContextImpl implements SmartCardContext {
  readonly backend: PcscBackend;
  readonly handle: number;
  operationInProgress = false;
  readonly activeReaderTransactions = new Map<string, ConnectionImpl>();
  readonly connections = new Set<ConnectionImpl>();

  constructor(backend: PcscBackend, handle: number) {
    this.backend = backend;
    this.handle = handle;
  }

  /** §"clear the operationInProgress": then end the transactions that settled meanwhile. */
  clearOperationInProgress(): void {
    this.operationInProgress = false;
    for (const connection of this.connections) {
      connection.endAnySettledTransaction();
      if (this.operationInProgress) return;
    }
  }

  async listReaders(): Promise<string[]> {
    if (this.operationInProgress) throw busy();
    this.operationInProgress = true;
    let answer: Awaited<ReturnType<PcscBackend['listReaders']>>;
    try {
      answer = await this.backend.listReaders(this.handle);
    } finally {
      this.clearOperationInProgress();
    }
    if (answer.code === SCARD.E_NO_READERS_AVAILABLE) return [];
    if (answer.code !== SCARD.S_SUCCESS) throw exceptionFor(answer.code);
    return [...answer.readers];
  }

  async getStatusChange(readerStates: readonly SmartCardReaderStateIn[], options: SmartCardGetStatusChangeOptions = {}): Promise<SmartCardReaderStateOut[]> {
    if (this.operationInProgress) throw busy();
    const signal = options.signal;
    if (signal?.aborted) throw signal.reason;
    const states = readerStates.map(readerStateIn);
    const timeout = options.timeout === undefined ? INFINITE : Math.min(INFINITE, unsignedLong(options.timeout));
    const cancel = () => void this.backend.cancel(this.handle);
    signal?.addEventListener('abort', cancel);
    this.operationInProgress = true;
    let answer: Awaited<ReturnType<PcscBackend['getStatusChange']>>;
    try {
      answer = await this.backend.getStatusChange(this.handle, timeout, states);
    } finally {
      this.clearOperationInProgress();
      signal?.removeEventListener('abort', cancel);
    }
    if (answer.code !== SCARD.S_SUCCESS) {
      if (answer.code === SCARD.E_CANCELLED && signal?.aborted) throw signal.reason;
      throw exceptionFor(answer.code);
    }
    return answer.states.map(readerStateOut);
  }

  async connect(readerName: string, accessMode: SmartCardAccessMode, options: SmartCardConnectOptions = {}): Promise<SmartCardConnectResult> {
    const share = enumValue(accessMode, ACCESS_MODES, 'accessMode');
    const protocols = (options.preferredProtocols ?? []).reduce((flags, p) => flags | enumValue(p, PROTOCOLS, 'preferredProtocols'), 0);
    if (this.operationInProgress) throw busy();
    if (this.activeReaderTransactions.has(readerName)) throw invalidState('a transaction is active on this reader in this context');
    this.operationInProgress = true;
    let answer: Awaited<ReturnType<PcscBackend['connect']>>;
    try {
      answer = await this.backend.connect(this.handle, String(readerName), share, protocols);
    } finally {
      this.clearOperationInProgress();
    }
    if (answer.code !== SCARD.S_SUCCESS) throw exceptionFor(answer.code);
    const connection = new ConnectionImpl(this, answer.handle, String(readerName), answer.protocol);
    this.connections.add(connection);
    const activeProtocol = protocolName(answer.protocol);
    return activeProtocol ? { connection, activeProtocol } : { connection };
  }
}

class ConnectionImpl implements SmartCardConnection {
  readonly #context: ContextImpl;
  #comm: number | null;
  readonly #readerName: string;
  readonly #activeProtocol: number;
  #transaction: TransactionState | null = null;

  constructor(context: ContextImpl, handle: number, readerName: string, activeProtocol: number) {
    this.#context = context;
    this.#comm = handle;
    this.#readerName = readerName;
    this.#activeProtocol = activeProtocol;
  }

  /** The checks every connection method starts with; returns the PC/SC handle. */
  #preamble(): number {
    if (this.#context.operationInProgress) throw busy();
    const holder = this.#context.activeReaderTransactions.get(this.#readerName);
    if (holder && holder !== this) throw invalidState('another connection holds a transaction on this reader');
    if (this.#comm === null) throw invalidState('the connection is closed');
    return this.#comm;
  }

  /** Runs one PC/SC call with [[operationInProgress]] set. */
  async #call<T>(work: () => Promise<T>): Promise<T> {
    this.#context.operationInProgress = true;
    try {
      return await work();
    } finally {
      this.#context.clearOperationInProgress();
    }
  }

  async disconnect(disposition: SmartCardDisposition = 'leave'): Promise<void> {
    const how = enumValue(disposition, DISPOSITIONS, 'disposition');
    const handle = this.#preamble();
    const code = await this.#call(() => this.#context.backend.disconnect(handle, how));
    if (code !== SCARD.S_SUCCESS) throw exceptionFor(code);
    this.#comm = null;
  }

  async transmit(sendBuffer: SmartCardBufferSource, options: SmartCardTransmitOptions = {}): Promise<ArrayBuffer> {
    const data = bufferSourceCopy(sendBuffer);
    const wanted = options.protocol === undefined ? undefined : enumValue(options.protocol, PROTOCOLS, 'protocol');
    const handle = this.#preamble();
    const protocol = wanted ?? this.#activeProtocol;
    if (!protocolName(protocol)) throw invalidState('no valid protocol for transmit');
    const answer = await this.#call(() => this.#context.backend.transmit(handle, protocol, data));
    if (answer.code !== SCARD.S_SUCCESS) throw exceptionFor(answer.code);
    return copyToArrayBuffer(answer.data);
  }

  async status(): Promise<SmartCardConnectionStatus> {
    const handle = this.#preamble();
    const answer = await this.#call(() => this.#context.backend.status(handle));
    if (answer.code !== SCARD.S_SUCCESS) throw exceptionFor(answer.code);
    const state = connectionState(answer.state, answer.protocol);
    if (!state) throw new DOMException(`unknown connection state 0x${answer.state.toString(16)}`, 'UnknownError');
    return { readerName: answer.reader, state, answerToReset: copyToArrayBuffer(answer.atr) };
  }

  async control(controlCode: number, data: SmartCardBufferSource): Promise<ArrayBuffer> {
    const code = enforceRange(controlCode, 'controlCode');
    const input = bufferSourceCopy(data);
    const handle = this.#preamble();
    const answer = await this.#call(() => this.#context.backend.control(handle, code, input));
    if (answer.code !== SCARD.S_SUCCESS) throw exceptionFor(answer.code);
    return copyToArrayBuffer(answer.data);
  }

  async getAttribute(tag: number): Promise<ArrayBuffer> {
    const attribute = enforceRange(tag, 'tag');
    const handle = this.#preamble();
    const answer = await this.#call(() => this.#context.backend.getAttrib(handle, attribute));
    if (answer.code !== SCARD.S_SUCCESS) throw exceptionFor(answer.code);
    return copyToArrayBuffer(answer.data);
  }

  async setAttribute(tag: number, value: SmartCardBufferSource): Promise<void> {
    const attribute = enforceRange(tag, 'tag');
    const input = bufferSourceCopy(value);
    const handle = this.#preamble();
    const code = await this.#call(() => this.#context.backend.setAttrib(handle, attribute, input));
    if (code !== SCARD.S_SUCCESS) throw exceptionFor(code);
  }

  startTransaction(transaction: SmartCardTransactionCallback, options: SmartCardTransactionOptions = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const context = this.#context;
      if (context.operationInProgress) return reject(busy());
      if (context.activeReaderTransactions.has(this.#readerName)) return reject(invalidState('a transaction is active on this reader'));
      const handle = this.#comm;
      if (handle === null) return reject(invalidState('the connection is closed'));
      if (this.#transaction) return reject(invalidState('this connection already has a transaction'));
      const signal = options.signal ?? null;
      if (signal?.aborted) return reject(signal.reason);
      const cancel = () => void context.backend.cancel(context.handle);
      signal?.addEventListener('abort', cancel);
      context.operationInProgress = true;
      void context.backend.beginTransaction(handle).then((code) => {
        context.clearOperationInProgress();
        signal?.removeEventListener('abort', cancel);
        if (code !== SCARD.S_SUCCESS) return reject(code === SCARD.E_CANCELLED && signal?.aborted ? signal.reason : exceptionFor(code));
        const state: TransactionState = { pendingDisposition: null, pendingException: null, hasException: false, resolve, reject };
        this.#transaction = state;
        context.activeReaderTransactions.set(this.#readerName, this);
        let settled: Promise<SmartCardDisposition | null | undefined>;
        try {
          settled = Promise.resolve(transaction());
        } catch (error) {
          settled = Promise.reject(error);
        }
        settled.then(
          (value) => {
            const disposition = value ?? 'reset';
            if (context.operationInProgress) {
              state.pendingException = invalidState('an operation was in progress when the transaction ended');
              state.hasException = true;
              state.pendingDisposition = disposition;
            } else this.#endTransaction(disposition);
          },
          (reason) => {
            state.pendingException = reason;
            state.hasException = true;
            if (context.operationInProgress) state.pendingDisposition = 'reset';
            else this.#endTransaction('reset');
          },
        );
      });
    });
  }

  /** §"end any settled transaction". */
  endAnySettledTransaction(): void {
    const state = this.#transaction;
    if (!state || state.pendingDisposition === null) return;
    const disposition = state.pendingDisposition;
    state.pendingDisposition = null;
    this.#endTransaction(disposition);
  }

  /** §"end the transaction". */
  #endTransaction(disposition: SmartCardDisposition): void {
    const state = this.#transaction;
    const context = this.#context;
    if (!state) return;
    const handle = this.#comm;
    if (handle === null) {
      // The spec leaves the reader in [[activeReaderTransactions]] here; it is removed so that the
      // reader stays usable in this context.
      context.activeReaderTransactions.delete(this.#readerName);
      this.#transaction = null;
      return state.reject(invalidState('the connection is closed'));
    }
    context.operationInProgress = true;
    void context.backend.endTransaction(handle, DISPOSITIONS[disposition]).then((code) => {
      context.clearOperationInProgress();
      context.activeReaderTransactions.delete(this.#readerName);
      this.#transaction = null;
      if (state.hasException) state.reject(state.pendingException);
      else if (code === SCARD.S_SUCCESS) state.resolve();
      else state.reject(exceptionFor(code));
    });
  }
}
