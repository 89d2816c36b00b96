/**
 * The Web Smart Card API as TypeScript types, written from the WICG draft (github.com/WICG/
 * web-smart-card, index.bs; section names below are its headings). Types only: the objects come
 * from the platform (`navigator.smartCard` in an Isolated Web App with the "smart-card" permissions
 * policy, Chrome 143+ on ChromeOS) or from a test stand-in, always injected.
 *
 * Rules the code below relies on (index.bs):
 * - §SmartCardContext: one PC/SC operation at a time per context ([[operationInProgress]]); any
 *   other call on the context or one of its connections meanwhile rejects with "InvalidStateError".
 * - §getStatusChange(): `timeout` in ms (absent: INFINITE); `signal` aborts through PC/SC Cancel()
 *   and the promise then rejects with the signal's abort reason.
 * - §SmartCardError: a DOMException named "SmartCardError" with a `responseCode`; some PC/SC codes
 *   map to other DOMExceptions (SCARD_E_INVALID_HANDLE → "InvalidStateError", SCARD_E_INVALID_PARAMETER
 *   → TypeError, anything unlisted → "UnknownError").
 */

/** §SmartCardResourceManager. */
export interface SmartCardResourceManager {
  establishContext(): Promise<SmartCardContext>;
}

/** §SmartCardContext. */
export interface SmartCardContext {
  listReaders(): Promise<string[]>;
  getStatusChange(readerStates: readonly SmartCardReaderStateIn[], options?: SmartCardGetStatusChangeOptions): Promise<SmartCardReaderStateOut[]>;
  connect(readerName: string, accessMode: SmartCardAccessMode, options?: SmartCardConnectOptions): Promise<SmartCardConnectResult>;
}

/** §SmartCardReaderStateIn. `currentCount`: insertions + removals seen so far (high word of CurrentState). */
export interface SmartCardReaderStateIn {
  readonly readerName: string;
  readonly currentState: SmartCardReaderStateFlagsIn;
  readonly currentCount?: number;
}

/** §SmartCardReaderStateFlagsIn (every member defaults to false). */
export interface SmartCardReaderStateFlagsIn {
  readonly unaware?: boolean;
  readonly ignore?: boolean;
  readonly unavailable?: boolean;
  readonly empty?: boolean;
  readonly present?: boolean;
  readonly exclusive?: boolean;
  readonly inuse?: boolean;
  readonly mute?: boolean;
  readonly unpowered?: boolean;
}

/** §SmartCardReaderStateOut. */
export interface SmartCardReaderStateOut {
  readonly readerName: string;
  readonly eventState: SmartCardReaderStateFlagsOut;
  readonly eventCount: number;
  readonly answerToReset?: ArrayBuffer;
}

/** §SmartCardReaderStateFlagsOut. */
export interface SmartCardReaderStateFlagsOut {
  readonly ignore: boolean;
  readonly changed: boolean;
  readonly unavailable: boolean;
  readonly unknown: boolean;
  readonly empty: boolean;
  readonly present: boolean;
  readonly exclusive: boolean;
  readonly inuse: boolean;
  readonly mute: boolean;
  readonly unpowered: boolean;
}

/** §SmartCardGetStatusChangeOptions. */
export interface SmartCardGetStatusChangeOptions {
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

/** §SmartCardProtocol. */
export type SmartCardProtocol = 'raw' | 't0' | 't1';

/** §SmartCardAccessMode. */
export type SmartCardAccessMode = 'shared' | 'exclusive' | 'direct';

/** §SmartCardConnectOptions. */
export interface SmartCardConnectOptions {
  readonly preferredProtocols?: readonly SmartCardProtocol[];
}

/** §SmartCardConnectResult. */
export interface SmartCardConnectResult {
  readonly connection: SmartCardConnection;
  readonly activeProtocol?: SmartCardProtocol;
}

/** §SmartCardDisposition. */
export type SmartCardDisposition = 'leave' | 'reset' | 'unpower' | 'eject';

/** IDL BufferSource (TypeScript's own BufferSource excludes views over an ArrayBufferLike). */
export type SmartCardBufferSource = ArrayBuffer | ArrayBufferView;

/** §SmartCardConnection. */
export interface SmartCardConnection {
  disconnect(disposition?: SmartCardDisposition): Promise<void>;
  transmit(sendBuffer: SmartCardBufferSource, options?: SmartCardTransmitOptions): Promise<ArrayBuffer>;
  startTransaction(transaction: SmartCardTransactionCallback, options?: SmartCardTransactionOptions): Promise<void>;
  status(): Promise<SmartCardConnectionStatus>;
  control(controlCode: number, data: SmartCardBufferSource): Promise<ArrayBuffer>;
  getAttribute(tag: number): Promise<ArrayBuffer>;
  setAttribute(tag: number, value: SmartCardBufferSource): Promise<void>;
}

export type SmartCardTransactionCallback = () => Promise<SmartCardDisposition | null | undefined>;

/** §SmartCardTransmitOptions. */
export interface SmartCardTransmitOptions {
  readonly protocol?: SmartCardProtocol;
}

/** §SmartCardTransactionOptions. */
export interface SmartCardTransactionOptions {
  readonly signal?: AbortSignal;
}

/** §SmartCardConnectionStatus. */
export interface SmartCardConnectionStatus {
  readonly readerName: string;
  readonly state: SmartCardConnectionState;
  readonly answerToReset?: ArrayBuffer;
}

/** §SmartCardConnectionState. */
export type SmartCardConnectionState = 'absent' | 'present' | 'swallowed' | 'powered' | 'negotiable' | 't0' | 't1' | 'raw';

/** §SmartCardResponseCode. */
export type SmartCardResponseCode =
  | 'no-service'
  | 'no-smartcard'
  | 'not-ready'
  | 'not-transacted'
  | 'proto-mismatch'
  | 'reader-unavailable'
  | 'removed-card'
  | 'reset-card'
  | 'server-too-busy'
  | 'sharing-violation'
  | 'system-cancelled'
  | 'unknown-reader'
  | 'unpowered-card'
  | 'unresponsive-card'
  | 'unsupported-card'
  | 'unsupported-feature';

/** §SmartCardError: a DOMException whose name is "SmartCardError". */
export interface SmartCardError extends DOMException {
  readonly responseCode: SmartCardResponseCode;
}

/** The special reader name whose state changes when readers come and go (README of the spec, "Reacting to reader availability"). */
export const PNP_NOTIFICATION = '\\\\?PnP?\\Notification';
