/**
 * A reader of the platform's PC/SC stack, reached through the Web Smart Card API, as a slot the
 * flows can use (src/flows/card-slot.ts): the same shape as a CCID slot over WebUSB.
 *
 * - One PC/SC operation at a time: the spec rejects a second call on a context with
 *   "InvalidStateError" (index.bs §SmartCardContext [[operationInProgress]]), so every call goes
 *   through one queue. The card watch (a getStatusChange() left waiting) holds the context between
 *   operations; an operation first aborts it through its AbortSignal (§getStatusChange(): Cancel())
 *   and waits for it to settle.
 * - powerOn(): disconnect("reset") then connect(reader, "exclusive", T=1 or T=0): a fresh card
 *   state, and no other program can slip an APDU between our SELECT and our VERIFY (the WebUSB
 *   path claims the whole reader for the same reason). The ATR comes from status().
 * - PIN pad: the feature list of PC/SC part 10 (features.ts); PIN_VERIFY / PIN_MODIFY structures
 *   (pin-structures.ts) through control(). One control() per entry, never repeated. The reader's
 *   own 6400..6403 mean nothing reached the card (src/ccid pinpad.ts); "unsupported-feature" means
 *   the driver refused the structure before sending it (libccid: too short, bad ulDataLength), so
 *   the screen may ask instead; "not-transacted" after it went out leaves the PIN's fate unknown.
 * - Card events: from the watch, and after any failure that says the card or the reader changed
 *   (the state is read again before the failure is thrown, so the flows see -8 / -61 / -9 first;
 *   after "not-transacted", which pcsc-lite gives before it has looked at the reader, the state is
 *   watched up to a second longer: #settle).
 */
import {
  MalformedDataError,
  PinPadTimeoutError,
  PinPadUnavailableError,
  pinModifyStructure,
  pinVerifyStructure,
  refusalInAnswer,
  type IccStatus,
  type ModifyPinRequest,
  type VerifyPinRequest,
} from '../ccid';
import { PcscCardAbsentError, PcscCommandError, PcscError, PcscPinEntryError, PcscReaderGoneError, pcscError, responseCodeOf } from './errors';
import { CM_IOCTL_GET_FEATURE_REQUEST, Feature, Property, decodeFeatures, decodeTlvProperties, type FeatureCodes } from './features';
import { encodePcscPinModify, encodePcscPinVerify } from './pin-structures';
import { nextReaderState, stateIn, type ReaderEvent, type ReaderState } from './reader-state';
import type { SmartCardConnection, SmartCardContext, SmartCardReaderStateOut } from './web-smart-card';

export interface PcscSlotOptions {
  /** Numbered trace lines for the diagnostics: operations, lengths and response codes, never data. */
  readonly log?: (line: string) => void;
}

/** The reader as PC/SC part 10 describes it; null fields are not known (yet). */
export interface PcscReaderInfo {
  readonly features: FeatureCodes | null;
  readonly vendorId: number | null;
  readonly productId: number | null;
}

const PROTOCOLS = ['t1', 't0'] as const;
/** After a watch failure other than a gone reader, wait this long before watching again, ms. */
const REWATCH_DELAY_MS = 1000;
/** The longest one getStatusChange() of the card watch waits, ms (see #startWatch). */
const WATCH_TIMEOUT_MS = 1000;
/** How long the queue stays idle before the card watch starts again, ms (see #settled). */
const WATCH_IDLE_MS = 100;
/**
 * After a command the driver could not complete ("not-transacted"), how long to wait for the stack
 * to report a card move or the reader's departure, ms, and how many changes to take (out, in)
 * before deciding (see #settle).
 */
const SETTLE_MS = 1000;
const SETTLE_CHANGES = 3;

export class PcscSlot {
  readonly readerName: string;
  readonly #context: SmartCardContext;
  readonly #log: (line: string) => void;
  #lines = 0;
  #connection: SmartCardConnection | null = null;
  /**
   * The card of #connection left (an event or W_REMOVED_CARD said so). The handle stays until the
   * next power-on or close disconnects it: pcsc-lite keeps an exclusive handle, removed card or
   * not, and would refuse our own next connection with a sharing violation.
   */
  #cardLeft = false;
  #atr: Uint8Array | null = null;
  #info: PcscReaderInfo = { features: null, vendorId: null, productId: null };
  #known: ReaderState | null = null;
  #closed = false;
  readonly #cardListeners = new Set<(present: boolean) => void>();
  /** Settles when the context is free (the last operation or watch is over). */
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #watch: AbortController | null = null;
  #rewatch: ReturnType<typeof setTimeout> | undefined;

  private constructor(context: SmartCardContext, readerName: string, options: PcscSlotOptions) {
    this.#context = context;
    this.readerName = readerName;
    this.#log = options.log ?? (() => undefined);
  }

  /**
   * Opens the reader on `context` (one context per slot: the card watch keeps it busy): reads its
   * state, and its part 10 features and USB identity through a "direct" connection when the stack
   * allows one without a card (pcsc-lite does); else they are read at the first power-on.
   */
  static async open(context: SmartCardContext, readerName: string, options: PcscSlotOptions = {}): Promise<PcscSlot> {
    const slot = new PcscSlot(context, readerName, options);
    await slot.#enqueue('open', async () => {
      await slot.#refresh();
      if (slot.#known?.gone) throw new PcscReaderGoneError(`${readerName}: the reader is gone`, 'unknown-reader');
      await slot.#readInfoDirect();
    });
    return slot;
  }

  /** The reader has a PIN pad for PIN verification (FEATURE_VERIFY_PIN_DIRECT). */
  get pinpad(): boolean {
    return this.#info.features?.has(Feature.verifyPinDirect) ?? false;
  }

  get info(): PcscReaderInfo {
    return this.#info;
  }

  get atr(): Uint8Array | null {
    return this.#atr;
  }

  /** The last known card state, read again from the stack. */
  status(): Promise<{ readonly card: IccStatus }> {
    return this.#enqueue('status', async () => {
      await this.#refresh();
      const card: IccStatus = !this.#known?.present ? 'absent' : this.#connection && !this.#cardLeft ? 'active' : 'inactive';
      return { card };
    });
  }

  powerOn(): Promise<Uint8Array> {
    return this.#enqueue('power on', async () => {
      this.#atr = null;
      await this.#dropConnection('reset');
      let connection: SmartCardConnection;
      try {
        const result = await this.#context.connect(this.readerName, 'exclusive', { preferredProtocols: PROTOCOLS });
        connection = result.connection;
        this.#trace(`connect exclusive → ${result.activeProtocol ?? 'no protocol'}`);
      } catch (error) {
        throw await this.#failure('connect', error);
      }
      this.#connection = connection;
      this.#cardLeft = false;
      let atr: Uint8Array;
      try {
        const status = await connection.status();
        atr = new Uint8Array(status.answerToReset ?? new ArrayBuffer(0));
      } catch (error) {
        throw await this.#failure('status', error);
      }
      if (!this.#info.features) await this.#readInfo(connection);
      this.#atr = atr;
      return atr.slice();
    });
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    return this.#enqueue('transmit', async () => {
      const connection = this.#poweredConnection();
      let answer: Uint8Array;
      try {
        answer = new Uint8Array(await connection.transmit(apdu));
      } catch (error) {
        throw await this.#failure('transmit', error);
      }
      this.#trace(`transmit ${apdu.length} → ${answer.length} bytes`);
      return checkResponseApdu(answer);
    });
  }

  verifyPinOnPinpad(request: VerifyPinRequest): Promise<Uint8Array> {
    return this.#enqueue('PIN verification', () => {
      const code = this.#pinpadCode(Feature.verifyPinDirect, 'verification');
      return this.#pinEntry(code, encodePcscPinVerify(pinVerifyStructure(request), request.timeoutSeconds));
    });
  }

  modifyPinOnPinpad(request: ModifyPinRequest): Promise<Uint8Array> {
    return this.#enqueue('PIN modification', () => {
      const code = this.#pinpadCode(Feature.modifyPinDirect, 'modification');
      return this.#pinEntry(code, encodePcscPinModify(pinModifyStructure(request), request.timeoutSeconds));
    });
  }

  onCardChange(listener: (present: boolean) => void): () => void {
    this.#cardListeners.add(listener);
    this.#startWatch();
    return () => {
      this.#cardListeners.delete(listener);
      if (this.#cardListeners.size === 0) this.#watch?.abort();
    };
  }

  /** Releases the card (reset: nothing verified stays behind) and stops watching. */
  close(): Promise<void> {
    return this.#enqueue('close', async () => {
      this.#closed = true;
      clearTimeout(this.#rewatch);
      this.#cardListeners.clear();
      await this.#dropConnection('reset');
    });
  }

  /* ---- one operation at a time ------------------------------------------------------------- */

  #enqueue<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new PcscCommandError(`${this.readerName}: ${what} after close`, 'closed'));
    this.#pending++;
    this.#watch?.abort();
    const run = this.#tail.then(work);
    this.#tail = run.then(
      () => this.#settled(),
      () => this.#settled(),
    );
    return run;
  }

  /**
   * The watch starts again only once the queue has been idle for a moment: operations of a flow
   * come back to back, and a watch started between two of them would be cancelled at once, when
   * its Cancel() is the most likely to come before the call blocks (and be lost, see #startWatch).
   */
  #settled(): void {
    this.#pending--;
    if (this.#pending > 0) return;
    clearTimeout(this.#rewatch);
    this.#rewatch = setTimeout(() => this.#startWatch(), WATCH_IDLE_MS);
  }

  /**
   * Leaves a getStatusChange() waiting while nothing else needs the context and someone listens.
   * It has a timeout: a Cancel() that reaches the stack before the call blocks is lost (pcsc-lite's
   * SCardCancel only cancels a call already waiting), and then the next operation waits at most
   * this long. A timeout is "nothing changed": SCARD_E_TIMEOUT is "UnknownError" in the spec,
   * "TimeoutError" in Chromium; any answer at or after the timeout counts as one.
   */
  #startWatch(): void {
    if (this.#pending > 0 || this.#watch || this.#cardListeners.size === 0 || this.#closed || this.#known?.gone) return;
    clearTimeout(this.#rewatch);
    const abort = new AbortController();
    this.#watch = abort;
    const started = Date.now();
    let again = true;
    this.#tail = this.#context
      .getStatusChange([stateIn(this.readerName, this.#known)], { signal: abort.signal, timeout: WATCH_TIMEOUT_MS })
      .then(
        (states) => this.#observe(states),
        (error: unknown) => {
          if (abort.signal.aborted || Date.now() - started >= WATCH_TIMEOUT_MS) return;
          const typed = pcscError('watch', error);
          this.#trace(`watch failed: ${typed.failure}`);
          again = false;
          if (typed instanceof PcscReaderGoneError) this.#becomeGone();
          else this.#rewatch = setTimeout(() => this.#startWatch(), REWATCH_DELAY_MS);
        },
      )
      .finally(() => {
        this.#watch = null;
        if (again && !abort.signal.aborted) this.#startWatch();
      });
  }

  /* ---- state ----------------------------------------------------------------------------------- */

  /** Reads the reader's state now (unaware: the answer comes at once) and tells what changed. */
  async #refresh(removedSeen = false): Promise<void> {
    let states: SmartCardReaderStateOut[];
    try {
      states = await this.#context.getStatusChange([stateIn(this.readerName, null)], { timeout: 0 });
    } catch (error) {
      const typed = pcscError('status', error);
      if (typed instanceof PcscReaderGoneError) return this.#becomeGone();
      throw typed;
    }
    this.#observe(states, removedSeen);
  }

  #observe(states: readonly SmartCardReaderStateOut[], removedSeen = false): void {
    const out = states.find((s) => s.readerName === this.readerName);
    if (!out) return;
    const { state, events } = nextReaderState(this.#known, out, removedSeen);
    this.#known = state;
    for (const event of events) this.#emit(event);
  }

  #emit(event: ReaderEvent): void {
    this.#trace(event.kind === 'gone' ? 'reader gone' : event.present ? 'card in' : 'card out');
    if (event.kind === 'gone') {
      // Every later call fails with PcscReaderGoneError (-9 in the flows); the reader list drops the reader.
      this.#atr = null;
      return;
    }
    if (!event.present) {
      // The handle of a removed card is useless (W_REMOVED_CARD); the next power-on connects again.
      this.#cardLeft = true;
      this.#atr = null;
    }
    for (const listener of [...this.#cardListeners]) listener(event.present);
  }

  #becomeGone(): void {
    if (this.#known?.gone) return;
    this.#known = { flags: { unavailable: true }, count: this.#known?.count ?? 0, present: false, atr: '', gone: true };
    this.#emit({ kind: 'gone' });
  }

  /**
   * The typed error for a failure; when it says the card or the reader changed, the state is read
   * first so that the card events (→ -8 / -61 / -9 in the flows) come before it.
   */
  async #failure(what: string, error: unknown, pinEntry = false): Promise<PcscError> {
    const code = responseCodeOf(error);
    const typed =
      pinEntry && code === 'not-transacted'
        ? new PcscPinEntryError(`${what}: the reader did not complete the PIN entry (not-transacted)`, code, { cause: error })
        : pcscError(what, error);
    this.#trace(`${what} failed: ${typed.failure}`);
    // No response code: the stack refused the handle itself ("UnknownError": pcsc-lite answers
    // SCARD_E_INVALID_VALUE on a handle whose reader it dropped), so the reader is looked at too.
    const cardOrReader =
      code === null || code === 'removed-card' || code === 'no-smartcard' || code === 'reset-card' || code === 'reader-unavailable' || code === 'unknown-reader' || code === 'not-transacted';
    if (cardOrReader) {
      if (code === 'removed-card' || code === 'no-smartcard') this.#cardLeft = true;
      await this.#refresh(code === 'removed-card').catch(() => undefined);
      if (code === 'not-transacted') await this.#settle().catch(() => undefined);
    }
    if (this.#known?.gone && !(typed instanceof PcscReaderGoneError)) {
      return new PcscReaderGoneError(`${what}: the reader is gone`, typed.failure, { cause: error });
    }
    return typed;
  }

  /**
   * "not-transacted" comes before the stack has seen why (seen with pcscd 1.9.9 + libccid 1.5.2 in
   * the QEMU guest): pcsc-lite holds the reader for the whole SCardControl of a PIN entry, so a card
   * taken out (or swapped) at the prompt shows in the reader state only after the entry failed
   * (libccid: "card absent or mute"); a reader unplugged under an SCardTransmit fails it at once
   * (libccid's T=1 layer: "transmit/receive failed") while pcscd drops the reader when udev tells
   * it, a moment later. So the state is watched a little longer, each change it reports counts (out
   * then in for a swap; the reader gone), and nothing changing within SETTLE_MS means the card and
   * the reader stayed.
   */
  async #settle(): Promise<void> {
    for (let changes = 0; changes < SETTLE_CHANGES && this.#known && !this.#known.gone; changes++) {
      let states: SmartCardReaderStateOut[];
      try {
        states = await this.#context.getStatusChange([stateIn(this.readerName, this.#known)], { timeout: SETTLE_MS });
      } catch (error) {
        // A timeout ("UnknownError" by the spec, "TimeoutError" in Chromium): nothing moved.
        const typed = pcscError('settle', error);
        if (typed instanceof PcscReaderGoneError) this.#becomeGone();
        return;
      }
      this.#observe(states);
    }
  }

  /* ---- connection ------------------------------------------------------------------------------ */

  #poweredConnection(): SmartCardConnection {
    if (this.#known?.gone) throw new PcscReaderGoneError(`${this.readerName}: the reader is gone`, 'reader-unavailable');
    if (this.#cardLeft || !this.#known?.present) throw new PcscCardAbsentError(`${this.readerName}: the card was removed`, 'removed-card');
    if (this.#connection) return this.#connection;
    throw new PcscCommandError(`${this.readerName}: the card is not powered (power it on first)`, 'not-connected');
  }

  async #dropConnection(disposition: 'reset' | 'leave'): Promise<void> {
    const connection = this.#connection;
    this.#connection = null;
    this.#cardLeft = false;
    if (!connection) return;
    await connection.disconnect(disposition).catch((error: unknown) => this.#trace(`disconnect failed: ${pcscError('disconnect', error).failure}`));
  }

  /** Features and USB identity through a direct connection; left unknown when the stack refuses one. */
  async #readInfoDirect(): Promise<void> {
    let connection: SmartCardConnection;
    try {
      ({ connection } = await this.#context.connect(this.readerName, 'direct'));
    } catch (error) {
      this.#trace(`direct connection refused: ${pcscError('connect direct', error).failure}`);
      return;
    }
    try {
      await this.#readInfo(connection);
    } finally {
      await connection.disconnect('leave').catch(() => undefined);
    }
  }

  /** CM_IOCTL_GET_FEATURE_REQUEST, then FEATURE_GET_TLV_PROPERTIES when offered. A reader without either has no features. */
  async #readInfo(connection: SmartCardConnection): Promise<void> {
    let features: FeatureCodes;
    try {
      features = decodeFeatures(new Uint8Array(await connection.control(CM_IOCTL_GET_FEATURE_REQUEST, new Uint8Array(0))));
    } catch (error) {
      this.#trace(`feature list refused: ${pcscError('features', error).failure}`);
      features = new Map();
    }
    let vendorId: number | null = null;
    let productId: number | null = null;
    const tlv = features.get(Feature.getTlvProperties);
    if (tlv !== undefined) {
      try {
        const properties = decodeTlvProperties(new Uint8Array(await connection.control(tlv, new Uint8Array(0))));
        vendorId = properties.get(Property.wIdVendor) ?? null;
        productId = properties.get(Property.wIdProduct) ?? null;
      } catch (error) {
        this.#trace(`TLV properties refused: ${pcscError('properties', error).failure}`);
      }
    }
    this.#info = { features, vendorId, productId };
    this.#trace(`features ${[...features].map(([tag, code]) => `${tag.toString(16).padStart(2, '0')}=${code.toString(16)}`).join(' ') || 'none'}`);
  }

  /* ---- PIN pad --------------------------------------------------------------------------------- */

  #pinpadCode(feature: number, operation: string): number {
    const code = this.#info.features?.get(feature);
    if (code === undefined) throw new PinPadUnavailableError('no-pinpad', `${this.readerName} reports no PIN pad for PIN ${operation} (PC/SC part 10 features)`);
    return code;
  }

  /** One control() with the structure; the answer is the card's, or the reader's own 64xx refusal. */
  async #pinEntry(code: number, structure: Uint8Array): Promise<Uint8Array> {
    const connection = this.#poweredConnection();
    let answer: Uint8Array;
    try {
      answer = new Uint8Array(await connection.control(code, structure));
    } catch (error) {
      if (responseCodeOf(error) === 'unsupported-feature') {
        this.#trace('PIN pad refused the structure: unsupported-feature');
        throw new PinPadUnavailableError('structure-rejected', `${this.readerName}: the driver refused the PIN structure before sending it`, { cause: error });
      }
      // Chromium reports a PC/SC timeout as "TimeoutError": the entry ran out of time on the pad.
      if (isNamed(error, 'TimeoutError')) throw new PinPadTimeoutError('timeout', 0x6400, 'PIN pad: no PIN was entered in time (PC/SC timeout)');
      throw await this.#failure('PIN pad', error, true);
    }
    this.#trace(`PIN pad ${code.toString(16)} → ${answer.length} bytes`);
    const refusal = refusalInAnswer(answer);
    if (refusal) throw refusal;
    return checkResponseApdu(answer);
  }

  #trace(line: string): void {
    this.#log(`pcsc ${++this.#lines} ${line}`);
  }
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

function checkResponseApdu(response: Uint8Array): Uint8Array {
  if (response.length < 2) throw new MalformedDataError('response APDU', response.length, 'at least SW1 SW2', `${response.length} bytes`);
  return response;
}
