/**
 * The CCID bulk/interrupt transport over a W3C USBDevice: one numbered command per slot in flight,
 * responses matched by bSeq, time extensions, the driver's own timeouts (WebUSB has none) ending
 * in the CCID abort sequence, stalls, disconnects.
 */
import { concatBytes, hexByte } from './bytes';
import type { CcidInterface, EndpointInfo } from './descriptors';
import {
  CcidError,
  CcidTimeoutError,
  DeviceDisconnectedError,
  MalformedDataError,
  ReaderProtocolError,
  UnsupportedReaderError,
  UsbTransferError,
} from './errors';
import {
  HEADER_LENGTH,
  RESPONSE_TO,
  decodeInterrupt,
  decodeResponse,
  encodeCommand,
  frameLength,
  type Command,
  type InterruptMessage,
  type Response,
} from './messages';
import { slotError } from './slot-errors';
import { isDisconnect, isTransferError, usbError } from './usb-errors';

export interface TransportOptions {
  /** Base wait for an answer to one command, ms; a time extension scales it by bError. */
  readonly commandTimeoutMs?: number;
  /** Cap on one command including all time extensions, ms. */
  readonly maxCommandMs?: number;
  /** Wait for the reader to confirm an abort, ms; then the device is closed. */
  readonly abortTimeoutMs?: number;
  /** Frames that answer no command, dropped in a row before the reader is declared broken. */
  readonly maxStaleFrames?: number;
  /** Numbered log lines of every USB call (headers only; payloads are never logged). */
  readonly log?: (line: string) => void;
}

export interface CommandOptions {
  /** Overrides the base timeout for this command (e.g. PIN entry: the PIN pad's own timeout + margin). */
  readonly timeoutMs?: number;
  /** Overrides the overall cap for this command. */
  readonly maxMs?: number;
}

export interface TransportStats {
  bulkOut: number;
  bulkIn: number;
  interruptIn: number;
  staleFrames: number;
  timeExtensions: number;
  aborts: number;
  stallsCleared: number;
  zeroLengthReads: number;
  discardedBytes: number;
}

interface Pending {
  readonly slot: number;
  readonly seq: number;
  readonly name: string;
  readonly expects: Response['type'];
  readonly started: number;
  readonly baseMs: number;
  readonly maxMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Set while the abort sequence for this command runs. */
  aborting: boolean;
  /** Why the command is being aborted when it is not our timeout: what the reader got wrong. */
  failure: CcidError | null;
  /** Frames that answered no command while this one waited, and the last of them (for the timeout's message). */
  strays: number;
  lastStray: string;
  resolve(response: Response): void;
  reject(error: CcidError): void;
}

const DEFAULTS = {
  commandTimeoutMs: 10_000,
  maxCommandMs: 120_000,
  abortTimeoutMs: 2_000,
  maxStaleFrames: 16,
};
/** Zero-length reads tolerated in a row before the reader is declared broken. */
const MAX_ZERO_LENGTH_READS = 64;
/** CCID 1.1 §5.3.1: class request ABORT. */
const REQUEST_ABORT = 0x01;
/** CCID 1.1 §6.2.6: bError of a command ended by an abort. */
const CMD_ABORTED = 0xff;
/**
 * How long a failed transfer waits for the platform to say the reader is gone. Chromium on Linux
 * ends a transfer the unplug cut as a transfer error (NetworkError), and closes the device
 * (`opened` false, then navigator.usb 'disconnect') only 0.2–0.4 s later under TCG (seen over
 * USB/IP in tests/browser-usb).
 */
const DISCONNECT_GRACE_MS = 2_000;
const DISCONNECT_POLL_MS = 50;

type Listener<T> = (value: T) => void;

export class CcidTransport {
  readonly device: USBDevice;
  readonly ccid: CcidInterface;
  readonly stats: TransportStats = {
    bulkOut: 0,
    bulkIn: 0,
    interruptIn: 0,
    staleFrames: 0,
    timeExtensions: 0,
    aborts: 0,
    stallsCleared: 0,
    zeroLengthReads: 0,
    discardedBytes: 0,
  };

  readonly #bulkIn: EndpointInfo;
  readonly #bulkOut: EndpointInfo;
  readonly #readLength: number;
  readonly #options: Required<Omit<TransportOptions, 'log'>>;
  readonly #log: ((line: string) => void) | undefined;
  readonly #pending = new Map<number, Pending>();
  readonly #slotTails = new Map<number, Promise<unknown>>();
  readonly #interruptListeners = new Set<Listener<InterruptMessage>>();
  readonly #disconnectListeners = new Set<Listener<DeviceDisconnectedError>>();
  #busy = 0;
  readonly #waitingForCapacity: (() => void)[] = [];
  #nextSeq = 0;
  #logCounter = 0;
  #pumping = false;
  #closed: CcidError | null = null;

  private constructor(device: USBDevice, ccid: CcidInterface, options: TransportOptions) {
    if (!ccid.bulkIn || !ccid.bulkOut) {
      throw new UnsupportedReaderError(
        `interface ${ccid.interfaceNumber} has no bulk endpoints (CCID control-pipe readers are not supported)`,
      );
    }
    this.device = device;
    this.ccid = ccid;
    this.#bulkIn = ccid.bulkIn;
    this.#bulkOut = ccid.bulkOut;
    this.#options = { ...DEFAULTS, ...stripUndefined(options) };
    this.#log = options.log;
    // Architecture: ask for a multiple of the packet size that holds the largest message.
    const packet = Math.max(1, ccid.bulkIn.maxPacketSize);
    const largest = HEADER_LENGTH + Math.max(ccid.descriptor.dwMaxCCIDMessageLength, HEADER_LENGTH);
    this.#readLength = Math.ceil(largest / packet) * packet;
  }

  /** Claims the CCID interface of an opened device and starts listening to its interrupt pipe. */
  static async open(device: USBDevice, ccid: CcidInterface, options: TransportOptions = {}): Promise<CcidTransport> {
    const transport = new CcidTransport(device, ccid, options);
    await transport.#step('claimInterface', () => device.claimInterface(ccid.interfaceNumber));
    if (ccid.alternateSetting !== 0) {
      await transport.#step('claimInterface', () =>
        device.selectAlternateInterface(ccid.interfaceNumber, ccid.alternateSetting),
      );
    }
    if (ccid.interruptIn) void transport.#listenInterrupts(ccid.interruptIn);
    return transport;
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  /** The base wait for one command, ms (a time extension or bBWI scales it). */
  get commandTimeoutMs(): number {
    return this.#options.commandTimeoutMs;
  }

  onInterrupt(listener: Listener<InterruptMessage>): () => void {
    this.#interruptListeners.add(listener);
    return () => this.#interruptListeners.delete(listener);
  }

  onDisconnect(listener: Listener<DeviceDisconnectedError>): () => void {
    this.#disconnectListeners.add(listener);
    return () => this.#disconnectListeners.delete(listener);
  }

  /**
   * Sends one command to `slot` and returns its successful response. A failed response becomes
   * the typed error of its bError. Commands to one slot run one after another; at most
   * bMaxCCIDBusySlots commands are in flight on the device (CCID 1.1 §5.1).
   */
  execute(slot: number, command: Command, options: CommandOptions = {}): Promise<Response> {
    const previous = this.#slotTails.get(slot) ?? Promise.resolve();
    const run = previous.then(
      () => this.#withCapacity(() => this.#run(slot, command, options)),
      () => this.#withCapacity(() => this.#run(slot, command, options)),
    );
    const tail = run.catch(() => undefined);
    this.#slotTails.set(slot, tail);
    void tail.then(() => {
      if (this.#slotTails.get(slot) === tail) this.#slotTails.delete(slot);
    });
    return run;
  }

  /** Sends a class-specific control request to the interface (CCID 1.1 §5.3). */
  async classRequestIn(request: number, length: number): Promise<DataView | null> {
    this.#throwIfClosed();
    this.#trace(`CTRL IN class request 0x${hexByte(request)} length ${length}`);
    const result = await this.#step('control', () =>
      this.device.controlTransferIn(
        { requestType: 'class', recipient: 'interface', request, value: 0, index: this.ccid.interfaceNumber },
        length,
      ),
    );
    return result.status === 'ok' && result.data ? result.data : null;
  }

  /** Releases the interface and closes the device; pending commands end with DeviceDisconnectedError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = new DeviceDisconnectedError('the reader was closed');
    this.#failAll(this.#closed);
    try {
      await this.device.releaseInterface(this.ccid.interfaceNumber);
    } catch {
      // Already gone or never claimed: nothing left to release.
    }
    try {
      await this.device.close();
    } catch {
      // Closing a device that is already closed or unplugged is not an error for us.
    }
  }

  /** Called when the platform reports the device gone (navigator.usb 'disconnect'). */
  markDisconnected(cause?: unknown): void {
    this.#disconnected(cause);
  }

  /* ---- one command ------------------------------------------------------------------------- */

  async #run(slot: number, command: Command, options: CommandOptions): Promise<Response> {
    this.#throwIfClosed();
    const seq = this.#allocateSeq();
    const bytes = encodeCommand(command, slot, seq);
    const response = new Promise<Response>((resolve, reject) => {
      const pending: Pending = {
        slot,
        seq,
        name: command.type,
        expects: RESPONSE_TO[command.type],
        started: Date.now(),
        baseMs: options.timeoutMs ?? this.#options.commandTimeoutMs,
        maxMs: options.maxMs ?? Math.max(this.#options.maxCommandMs, options.timeoutMs ?? 0),
        timer: undefined,
        aborting: false,
        failure: null,
        strays: 0,
        lastStray: '',
        resolve,
        reject,
      };
      this.#pending.set(seq, pending);
      this.#arm(pending, pending.baseMs);
    });
    try {
      await this.#send(bytes, `${command.type} slot ${slot} seq ${seq}`);
    } catch (error) {
      if (await this.#leftDuring(error)) this.#disconnected(error);
      else this.#settle(seq, (p) => p.reject(usbError('transfer', error)));
    }
    this.#pump();
    const answer = await response;
    if (answer.commandStatus === 'failed') throw slotError(command.type, answer.error, answer.iccStatus);
    return answer;
  }

  async #send(bytes: Uint8Array<ArrayBuffer>, label: string): Promise<void> {
    this.stats.bulkOut++;
    this.#trace(`OUT ${label} length ${bytes.length}`);
    const result = await this.device.transferOut(this.#bulkOut.number, bytes);
    if (result.status === 'stall') {
      // A stalled OUT was not accepted: clear the halt, and do not send the command again
      // (it may carry a PIN; nothing resends a PIN command on its own).
      this.stats.stallsCleared++;
      await this.device.clearHalt('out', this.#bulkOut.number);
      throw new UsbTransferError(`${label}: the reader stalled the command`);
    }
    if (result.bytesWritten !== bytes.length) {
      throw new UsbTransferError(`${label}: wrote ${result.bytesWritten} of ${bytes.length} bytes`);
    }
  }

  /* ---- the bulk-IN pump: one reader of responses for all pending commands ------------------ */

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#pumpLoop().finally(() => {
      this.#pumping = false;
      if (this.#pending.size > 0 && !this.#closed) this.#pump();
    });
  }

  async #pumpLoop(): Promise<void> {
    let stale = 0;
    let zeroLength = 0;
    let stalledOnce = false;
    let buffer: Uint8Array | null = null;
    while (this.#pending.size > 0 && !this.#closed) {
      let result: USBInTransferResult;
      try {
        this.stats.bulkIn++;
        result = await this.device.transferIn(this.#bulkIn.number, this.#readLength);
      } catch (error) {
        if (await this.#leftDuring(error)) this.#disconnected(error);
        else this.#failAll(usbError('transfer', error));
        return;
      }
      if (result.status === 'stall') {
        if (stalledOnce) {
          this.#failAll(new UsbTransferError('bulk-IN stalled twice'));
          return;
        }
        stalledOnce = true;
        this.stats.stallsCleared++;
        this.#trace('IN stall: clear halt');
        try {
          await this.device.clearHalt('in', this.#bulkIn.number);
        } catch (error) {
          this.#failAll(usbError('transfer', error));
          return;
        }
        continue;
      }
      if (result.status === 'babble') {
        this.#failAll(new UsbTransferError(`bulk-IN babble: the reader sent more than ${this.#readLength} bytes`));
        return;
      }
      const chunk = result.data ? new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength) : new Uint8Array(0);
      if (chunk.length === 0) {
        this.stats.zeroLengthReads++;
        if (++zeroLength > MAX_ZERO_LENGTH_READS) {
          this.#protocolFailure(new ReaderProtocolError(`more than ${MAX_ZERO_LENGTH_READS} empty reads in a row`));
          zeroLength = 0;
        }
        continue;
      }
      zeroLength = 0;
      buffer = buffer ? concatBytes([buffer, chunk]) : chunk;
      // USB 2.0 §5.8.3: a transfer shorter than asked ended with a short packet, so the message is
      // complete; only a transfer that filled the whole request may continue in the next one.
      const more = chunk.length === this.#readLength;
      const frame = buffer;
      const problem = this.#frameProblem(frame, more);
      if (problem === 'incomplete') continue;
      buffer = null;
      const answered = problem ? this.#blameFrame(frame, problem) : this.#deliver(frame);
      if (answered) stale = 0;
      else if (this.#waitingForAnswer() && ++stale > this.#options.maxStaleFrames) {
        // CCID 1.1 §5.3.1: while only aborts are pending, frames are drained (abortTimeoutMs bounds that).
        this.#protocolFailure(new ReaderProtocolError(`more than ${this.#options.maxStaleFrames} frames in a row answered no command`));
        stale = 0;
      }
    }
  }

  /**
   * Whether the bytes of one bulk-IN message hold exactly one frame: 'incomplete' while its rest may
   * follow, else the typed error that says what the reader's dwLength got wrong, or null when it is right.
   */
  #frameProblem(bytes: Uint8Array, more: boolean): MalformedDataError | 'incomplete' | null {
    const what = 'RDR_to_PC message';
    const expected = frameLength(bytes);
    if (expected !== null && expected > this.#readLength) {
      return new MalformedDataError(what, 1, `dwLength ≤ ${this.#readLength - HEADER_LENGTH}`, String(expected - HEADER_LENGTH));
    }
    if (expected === null || bytes.length < expected) {
      if (more) return 'incomplete';
      return expected === null
        ? new MalformedDataError(what, bytes.length, `a ${HEADER_LENGTH}-byte header`, `${bytes.length} bytes`)
        : new MalformedDataError(what, 1, `dwLength ${bytes.length - HEADER_LENGTH} (the bytes sent)`, String(expected - HEADER_LENGTH));
    }
    if (bytes.length > expected) {
      // The transfer ended after the frame's dwLength says it ends: the length lies, or garbage follows.
      this.stats.discardedBytes += bytes.length - expected;
      return new MalformedDataError(what, expected, `the end of the message (dwLength ${expected - HEADER_LENGTH})`, `${bytes.length - expected} more bytes`);
    }
    return null;
  }

  /** Some command waits for its answer (not just for the confirmation of its abort). */
  #waitingForAnswer(): boolean {
    for (const pending of this.#pending.values()) if (!pending.aborting) return true;
    return false;
  }

  /** Hands one frame to its pending command; false when it answers nothing pending (stale). */
  #deliver(frame: Uint8Array): boolean {
    let response: Response;
    try {
      response = decodeResponse(frame);
    } catch (error) {
      return this.#blameFrame(frame, error as CcidError);
    }
    const pending = this.#pending.get(response.seq);
    this.#trace(`IN ${response.type} slot ${response.slot} seq ${response.seq} status ${response.commandStatus} error 0x${hexByte(response.error)}`);
    if (!pending) return this.#stray(`${response.type} seq ${response.seq}`);
    if (pending.aborting) {
      // CCID 1.1 §5.3.1: the aborted command may still answer (a SlotStatus too, for GetSlotStatus,
      // with CMD_ABORTED); the Abort's own SlotStatus ends it.
      const abortedAnswer = response.commandStatus === 'failed' && response.error === CMD_ABORTED;
      if (response.type === 'SlotStatus' && response.commandStatus !== 'timeExtension' && !abortedAnswer) {
        this.#settle(pending.seq, (p) => p.reject(p.failure ?? this.#timeout(p, 'aborted')));
      }
      return true;
    }
    // A failed command may come back as a SlotStatus (QEMU's usb-ccid answers Secure so): its bError
    // still says why; any other message type is out of protocol.
    const typeAccepted = response.type === pending.expects || response.commandStatus === 'failed';
    if (response.slot !== pending.slot || !typeAccepted) {
      const what = `${response.commandStatus === 'timeExtension' ? 'a time extension in ' : ''}${response.type} for slot ${response.slot}`;
      this.#failAndAbort(pending, new ReaderProtocolError(`${pending.name} (slot ${pending.slot}, seq ${pending.seq}) was answered by ${what}`));
      return true;
    }
    if (response.commandStatus === 'timeExtension') {
      // CCID 1.1 §6.2.6: bError is the multiplier of the waiting time the card asked for.
      this.stats.timeExtensions++;
      this.#arm(pending, pending.baseMs * Math.max(1, response.error));
      return true;
    }
    this.#settle(pending.seq, (p) => p.resolve(response));
    return true;
  }

  /** A frame that cannot be decoded fails (and aborts) the command it names, if any. */
  #blameFrame(frame: Uint8Array, error: CcidError): boolean {
    const seq = frame.length >= 7 ? frame[6] : undefined;
    const pending = seq === undefined ? undefined : this.#pending.get(seq);
    this.#trace(`IN malformed frame of ${frame.length} bytes${pending ? ` for ${pending.name} seq ${pending.seq}` : ''}: ${error.message}`);
    if (!pending || pending.aborting) return this.#stray(`${frame.length} malformed bytes`);
    this.#failAndAbort(pending, error);
    return true;
  }

  /** A frame that answers no pending command: counted, and remembered by the commands still waiting. */
  #stray(what: string): false {
    this.stats.staleFrames++;
    for (const pending of this.#pending.values()) {
      pending.strays++;
      pending.lastStray = what;
    }
    return false;
  }

  /** The reader broke the protocol: every command waiting for an answer fails with `error`, after an abort. */
  #protocolFailure(error: CcidError): void {
    for (const pending of [...this.#pending.values()]) if (!pending.aborting) this.#failAndAbort(pending, error);
  }

  /**
   * A command the reader answered out of protocol fails with `error` once the reader confirms its abort
   * (CCID 1.1 §5.3.1), so that the reader is no longer busy with it when the next command comes.
   */
  #failAndAbort(pending: Pending, error: CcidError): void {
    this.#trace(`${pending.name} slot ${pending.slot} seq ${pending.seq} failed: ${error.message}`);
    pending.failure = error;
    void this.#abort(pending);
  }

  #timeout(pending: Pending, how: string): CcidTimeoutError {
    const strays = pending.strays > 0 ? ` (${pending.strays} frame(s) answered no command, the last ${pending.lastStray})` : '';
    return new CcidTimeoutError(`${pending.name}: no answer in time${strays}; ${how}`);
  }

  /* ---- timers and the abort sequence -------------------------------------------------------- */

  #arm(pending: Pending, waitMs: number): void {
    clearTimeout(pending.timer);
    const left = pending.maxMs - (Date.now() - pending.started);
    pending.timer = setTimeout(() => void this.#abort(pending), Math.max(0, Math.min(waitMs, left)));
  }

  /**
   * CCID 1.1 §5.3.1: ABORT class request (wValue = bSeq << 8 | bSlot), then PC_to_RDR_Abort with the
   * same bSlot and bSeq; the reader answers the Abort with a SlotStatus. If it does not, the device is
   * closed, which also ends any transfer WebUSB would otherwise wait on forever.
   */
  async #abort(pending: Pending): Promise<void> {
    if (!this.#pending.has(pending.seq) || pending.aborting) return;
    pending.aborting = true;
    this.stats.aborts++;
    this.#trace(`ABORT ${pending.name} slot ${pending.slot} seq ${pending.seq}`);
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      this.#trace(`ABORT ${pending.name} slot ${pending.slot} seq ${pending.seq} not confirmed: closing the reader`);
      this.#settle(pending.seq, (p) => p.reject(p.failure ?? this.#timeout(p, 'the reader did not confirm the abort')));
      void this.close();
    }, this.#options.abortTimeoutMs);
    try {
      await this.device.controlTransferOut({
        requestType: 'class',
        recipient: 'interface',
        request: REQUEST_ABORT,
        value: (pending.seq << 8) | pending.slot,
        index: this.ccid.interfaceNumber,
      });
      await this.#send(
        encodeCommand({ type: 'Abort' }, pending.slot, pending.seq),
        `Abort slot ${pending.slot} seq ${pending.seq}`,
      );
      this.#pump();
    } catch (error) {
      if (isDisconnect(error)) this.#disconnected(error);
      else this.#settle(pending.seq, (p) => p.reject(p.failure ?? new CcidTimeoutError(`${p.name}: no answer in time; abort failed`, { cause: error })));
    }
  }

  /* ---- bookkeeping ----------------------------------------------------------------------------- */

  #settle(seq: number, action: (pending: Pending) => void): void {
    const pending = this.#pending.get(seq);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(seq);
    action(pending);
  }

  #failAll(error: CcidError): void {
    for (const seq of [...this.#pending.keys()]) this.#settle(seq, (p) => p.reject(error));
  }

  #disconnected(cause: unknown): void {
    if (this.#closed) {
      this.#failAll(this.#closed);
      return;
    }
    const error = new DeviceDisconnectedError('the reader was disconnected', { cause });
    this.#closed = error;
    this.#failAll(error);
    // Reported once, however many transfers noticed it.
    for (const listener of [...this.#disconnectListeners]) listener(error);
  }

  /**
   * Whether a failed transfer means the reader is gone (or this transport was closed meanwhile):
   * NotFoundError says so at once; a transfer error (NetworkError) waits DISCONNECT_GRACE_MS for the
   * device to close or for the platform's disconnect (markDisconnected).
   */
  async #leftDuring(error: unknown): Promise<boolean> {
    if (isDisconnect(error)) return true;
    // Only the platform's transfer error can be an unplug it has not reported yet (not a stall, not a close).
    const deadline = isTransferError(error) ? Date.now() + DISCONNECT_GRACE_MS : 0;
    while (this.#closed === null && this.device.opened) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, DISCONNECT_POLL_MS));
    }
    return true;
  }

  #allocateSeq(): number {
    for (let i = 0; i < 256; i++) {
      const seq = this.#nextSeq;
      this.#nextSeq = (this.#nextSeq + 1) & 0xff;
      if (!this.#pending.has(seq)) return seq;
    }
    throw new ReaderProtocolError('256 commands pending: no bSeq left');
  }

  async #withCapacity<T>(work: () => Promise<T>): Promise<T> {
    while (this.#busy >= this.ccid.descriptor.busySlots) {
      await new Promise<void>((resolve) => this.#waitingForCapacity.push(resolve));
    }
    this.#busy++;
    try {
      return await work();
    } finally {
      this.#busy--;
      this.#waitingForCapacity.shift()?.();
    }
  }

  async #listenInterrupts(endpoint: EndpointInfo): Promise<void> {
    let stalled = false;
    while (!this.#closed) {
      let result: USBInTransferResult;
      try {
        this.stats.interruptIn++;
        result = await this.device.transferIn(endpoint.number, Math.max(endpoint.maxPacketSize, 8));
      } catch (error) {
        if (await this.#leftDuring(error)) this.#disconnected(error);
        return; // closed under us, or the platform gave up on the pipe
      }
      if (result.status === 'stall') {
        if (stalled) return;
        stalled = true;
        this.stats.stallsCleared++;
        await this.device.clearHalt('in', endpoint.number).catch(() => undefined);
        continue;
      }
      if (!result.data || result.data.byteLength === 0) continue;
      const bytes = new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength);
      let message: InterruptMessage;
      try {
        message = decodeInterrupt(bytes, this.ccid.descriptor.slotCount);
      } catch {
        this.#trace(`INT malformed message of ${bytes.length} bytes dropped`);
        continue;
      }
      this.#trace(`INT ${message.type}`);
      for (const listener of [...this.#interruptListeners]) listener(message);
    }
  }

  async #step<T>(step: Parameters<typeof usbError>[0], action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const typed = usbError(step, error);
      if (typed instanceof DeviceDisconnectedError) this.#disconnected(error);
      throw typed;
    }
  }

  #throwIfClosed(): void {
    if (this.#closed) throw this.#closed;
  }

  #trace(line: string): void {
    this.#log?.(`#${++this.#logCounter} ${line}`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
