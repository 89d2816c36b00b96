/**
 * The firmware of a virtual CCID reader: answers every PC_to_RDR message as USB CCID 1.1 §6 says a
 * reader does, checks what the host sends like a strict reader (wrong slot, length or message →
 * the bError a reader gives), and records what a real reader would not forgive in `violations`.
 */
import {
  COMMAND_CODES,
  decodeCommand,
  encodeNotifySlotChange,
  encodeResponse,
  INTERRUPT_CODES,
  HEADER_LENGTH,
  PROTOCOL_DATA_LENGTH,
  RESPONSE_TO,
  type Command,
  type CommandStatus,
  type IccStatus,
  type ResponseFields,
  type ResponseType,
} from '../ccid/messages';
import type { CcidClassDescriptor } from '../ccid/descriptors';
import { concatBytes } from '../ccid/bytes';
import type { UsbFunction } from './virtual-usb-device';
import type { Coalesce } from './usb-descriptors';
import { recorder } from './bounded-log';
import type { VirtualCard } from './virtual-card';
import type { VirtualPinpad } from './virtual-pinpad';
import { matchEscape, type VendorEscape } from './firmware-quirks';

/** bError values a reader sends (CCID 1.1 §6.2.6). */
export const ReaderError = {
  commandNotSupported: 0x00,
  badLength: 0x01,
  badSlot: 0x05,
  badPowerSelect: 0x07,
  badLevelParameter: 0x08,
  badProtocol: 0x07,
  badProtocolData: 0x0a,
  slotBusy: 0xe0,
  procedureByteConflict: 0xf4,
  parityError: 0xfd,
  iccMute: 0xfe,
  aborted: 0xff,
} as const;

const POWER_SELECT_VOLTAGE: Readonly<Record<number, string>> = { 1: '5.0V', 2: '3.0V', 3: '1.8V' };

/**
 * How the firmware hands a message to an IN endpoint. With `coalesce`, a message still waiting
 * there (the host has not read it) is replaced by coalesce(waiting, message).
 */
export type QueueIn = (endpoint: number, message: Uint8Array, coalesce?: Coalesce) => void;

export interface FirmwareEndpoints {
  readonly bulkIn: number;
  readonly interruptIn: number | null;
}

/** The card's answer through the link: bytes, null for a mute card, or a reader bError. */
export type LinkAnswer = Uint8Array | null | { readonly error: number };

/** A card activated by the reader, with the protocol data the reader settled on by itself. */
export interface Activation {
  readonly atr: Uint8Array;
  readonly protocol?: number;
  readonly parameters?: Uint8Array;
}

/** How the reader reaches its card; the exchange level decides (card-links.ts). */
export interface CardLink {
  /** Called at power-on; null when the card stays mute. */
  activate(card: VirtualCard): Activation | null;
  /** XfrBlock data to the card and its answer. */
  exchange(card: VirtualCard, data: Uint8Array): LinkAnswer;
  setParameters?(card: VirtualCard, protocol: number, data: Uint8Array): void;
  /** Time spent on the card's wire so far, where the link counts it (TPDU level). */
  wireTimeSeconds?(card: VirtualCard): number;
}

export interface AnswerPlan {
  /** Wait before answering, ms. */
  delayMs: number;
  /** While waiting, send a time extension this often (ms); 0 = none. */
  timeExtensionEveryMs: number;
  /** bError of the time extensions (BWT multiplier). */
  multiplier: number;
  /** Time extensions sent right before the answer. */
  extraTimeExtensions: number;
  /** Never answer (until aborted). */
  hang: boolean;
  /** Never answer, and ignore the abort as well (a reader that has locked up). */
  deaf: boolean;
  /** A frame with an old bSeq before the answer. */
  staleFrameFirst: boolean;
  /** Zero-length packets before the answer. */
  zeroLengthFirst: number;
  /** Bytes glued after the answer in the same transfer. */
  garbageAfter: Uint8Array | null;
  /** Rewrites every frame sent for this command (time extensions, answer): a hostile reader's lies. */
  rewrite: ((frame: Uint8Array) => Uint8Array) | null;
}

interface SlotState {
  card: VirtualCard | null;
  powered: boolean;
  protocol: number;
  parameters: Uint8Array;
  /** The command in progress, and the message type that answers it (CCID 1.1 §6.1). */
  busy: { seq: number; answers: ResponseType; deaf: boolean; cancel: () => void } | null;
  commandChain: Uint8Array[];
  responseChain: Uint8Array[];
}

interface FirmwareSetup {
  readonly descriptor: CcidClassDescriptor;
  readonly clockFrequenciesKhz: readonly number[];
  readonly dataRates: readonly number[];
  readonly endpoints: FirmwareEndpoints;
  readonly link: CardLink;
  /** The keypad of a PIN pad reader; without one, PC_to_RDR_Secure is not supported. */
  readonly pinpad: VirtualPinpad | null;
  /** Vendor escapes the firmware answers (firmware-quirks.ts); others are "command not supported". */
  readonly escapes?: readonly VendorEscape[];
  /** The longest message the firmware takes (firmware-quirks.ts); default dwMaxCCIDMessageLength. */
  readonly maxMessageLength?: number;
}

/** Default protocol data after power-on: T=0 with Fi/Di 372/1 (CCID 1.1 §6.1.7, ISO 7816-3 §8.1). */
const DEFAULT_T0_PARAMETERS = Uint8Array.of(0x11, 0x00, 0x00, 0x0a, 0x00);

export class CcidFirmware implements UsbFunction {
  /** What a real reader would not forgive; tests assert it stays empty. */
  readonly violations: string[] = [];
  /** Every command the firmware received, by type. */
  readonly commands: Record<string, number> = {};
  /** The vendor escapes answered, by name, in order. */
  readonly escapesAnswered: string[] = [];
  /** bBWI of every XfrBlock received (the host scales the block waiting time after an S(WTX)). */
  readonly xfrBlockBwi: number[] = [];
  readonly #recordBwi = recorder(this.xfrBlockBwi);
  readonly #recordEscape = recorder(this.escapesAnswered);
  readonly #setup: FirmwareSetup;
  readonly #slots: SlotState[];
  readonly #nextAnswers: Partial<AnswerPlan>[] = [];
  #everyAnswer: Partial<AnswerPlan> = {};
  #queueIn: QueueIn = () => undefined;
  #lastSeq: number | null = null;
  #abortRequest: { slot: number; seq: number } | null = null;

  constructor(setup: FirmwareSetup) {
    this.#setup = setup;
    this.#slots = Array.from({ length: setup.descriptor.slotCount }, () => ({
      card: null,
      powered: false,
      protocol: 0,
      parameters: DEFAULT_T0_PARAMETERS,
      busy: null,
      commandChain: [],
      responseChain: [],
    }));
  }

  attach(queueIn: QueueIn): void {
    this.#queueIn = queueIn;
  }

  /** Shapes the next answer (one-shot; several calls queue up for the answers that follow). */
  planNextAnswer(plan: Partial<AnswerPlan>): void {
    this.#nextAnswers.push(plan);
  }

  /** Shapes every answer from now on (one-shot plans override it field by field); `{}` ends it. */
  planEveryAnswer(plan: Partial<AnswerPlan>): void {
    this.#everyAnswer = plan;
  }

  insert(slot: number, card: VirtualCard): void {
    const s = this.#slot(slot);
    s.card = card;
    s.powered = false;
    this.#notify(slot);
  }

  remove(slot: number): void {
    const s = this.#slot(slot);
    s.card = null;
    s.powered = false;
    this.#notify(slot);
  }

  /** The endpoints this firmware answers on. */
  get endpoints(): FirmwareEndpoints {
    return this.#setup.endpoints;
  }

  /** bSeq of the last command received (the host's next command takes the one after it). */
  get lastSeq(): number | null {
    return this.#lastSeq;
  }

  cardIn(slot: number): VirtualCard | null {
    return this.#slot(slot).card;
  }

  /** Seconds on the card's wire since power-on, where the link counts them (TPDU level), else 0. */
  wireTimeSeconds(slot: number): number {
    const card = this.#slot(slot).card;
    return card ? (this.#setup.link.wireTimeSeconds?.(card) ?? 0) : 0;
  }

  /* ---- UsbFunction -------------------------------------------------------------------------------- */

  controlIn(setup: USBControlTransferParameters, length: number): Uint8Array | 'stall' {
    if (setup.requestType !== 'class') return 'stall';
    // CCID 1.1 §5.3.2 GET_CLOCK_FREQUENCIES, §5.3.3 GET_DATA_RATES: stalled when none are announced.
    const list =
      setup.request === 0x02 ? this.#setup.clockFrequenciesKhz : setup.request === 0x03 ? this.#setup.dataRates : null;
    if (!list || list.length === 0) return 'stall';
    const out = new Uint8Array(list.length * 4);
    const view = new DataView(out.buffer);
    list.forEach((v, i) => view.setUint32(i * 4, v, true));
    return out.subarray(0, length);
  }

  controlOut(setup: USBControlTransferParameters, _data: Uint8Array): 'ok' | 'stall' {
    // CCID 1.1 §5.3.1 ABORT: wValue = bSeq << 8 | bSlot.
    if (setup.requestType !== 'class' || setup.request !== 0x01) return 'stall';
    const slot = setup.value & 0xff;
    const seq = setup.value >> 8;
    this.#abortRequest = { slot, seq };
    const busy = this.#slots[slot]?.busy;
    if (busy?.deaf) return 'ok';
    if (busy && busy.seq === seq) {
      busy.cancel();
      this.#slot(slot).busy = null;
      this.#sendAsEveryAnswer(encodeResponse(emptyFields(busy.answers), this.#status(slot, seq, 'failed', ReaderError.aborted)));
    }
    return 'ok';
  }

  bulkOut(_endpoint: number, bytes: Uint8Array): void {
    if (bytes.length < HEADER_LENGTH) {
      this.violations.push(`a ${bytes.length}-byte bulk OUT transfer is not a CCID message`);
      return; // a real reader waits for the rest, which never comes
    }
    const type = bytes[0] ?? 0;
    const slot = bytes[5] ?? 0;
    const seq = bytes[6] ?? 0;
    let decoded;
    try {
      decoded = decodeCommand(bytes);
    } catch {
      this.violations.push(`malformed PC_to_RDR message type 0x${type.toString(16)}`);
      const answerType = RESPONSE_FOR_CODE.get(type) ?? 'SlotStatus';
      const error = RESPONSE_FOR_CODE.has(type) ? ReaderError.badLength : ReaderError.commandNotSupported;
      this.#send(encodeResponse(emptyFields(answerType), this.#status(slot, seq, 'failed', error)));
      return;
    }
    const { command } = decoded;
    this.commands[command.type] = (this.commands[command.type] ?? 0) + 1;
    this.#checkSequence(command, seq);
    if (slot >= this.#slots.length) {
      this.#send(encodeResponse(emptyFields(RESPONSE_TO[command.type]), this.#status(slot, seq, 'failed', ReaderError.badSlot)));
      return;
    }
    if (command.type === 'Abort') {
      this.#answerAbort(slot, seq);
      return;
    }
    const state = this.#slot(slot);
    const busySlots = this.#slots.filter((s) => s.busy).length;
    if (state.busy || busySlots >= this.#setup.descriptor.busySlots) {
      this.violations.push(`command to slot ${slot} while ${state.busy ? 'it' : 'the reader'} is busy`);
      this.#send(encodeResponse(emptyFields(RESPONSE_TO[command.type]), this.#status(slot, seq, 'failed', ReaderError.slotBusy)));
      return;
    }
    if (command.type === 'Secure' && this.#setup.pinpad && state.card && state.powered) {
      this.#secure(slot, seq, this.#setup.pinpad, state.card, command.data);
      return;
    }
    this.#schedule(slot, seq, RESPONSE_TO[command.type], () => this.#execute(slot, command));
  }

  /** PC_to_RDR_Secure (CCID 1.1 §6.1.11): the slot stays busy while the user types, then the reader talks to the card. */
  #secure(slot: number, seq: number, pinpad: VirtualPinpad, card: VirtualCard, data: Uint8Array): void {
    const s = this.#slot(slot);
    const { descriptor, link } = this.#setup;
    // T=1 protocol data byte 1, bmTCCKST1: bit 0 set = CRC (CCID 1.1 §6.1.7).
    const crc = ((s.parameters[1] ?? 0) & 0x01) !== 0;
    const t1Edc = descriptor.exchangeLevel === 'tpdu' && s.protocol === 1 ? (crc ? 'crc' : 'lrc') : null;
    // A card taken out while the user types is not there when the reader sends the APDU: no answer (ICC_MUTE).
    const exchange = (bytes: Uint8Array) => (s.card === card && s.powered ? link.exchange(card, bytes) : null);
    const entry = pinpad.secure({ data, pinSupport: descriptor.bPINSupport, t1Edc, exchange });
    s.busy = { seq, answers: 'DataBlock', deaf: false, cancel: entry.abort };
    void entry.answer.then((answer) => {
      if (s.busy?.seq !== seq) return; // aborted meanwhile
      s.busy = null;
      const ok = 'data' in answer;
      const fields: ResponseFields = ok ? { type: 'DataBlock', data: answer.data } : { type: 'DataBlock' };
      this.#send(encodeResponse(fields, this.#status(slot, seq, ok ? 'ok' : 'failed', ok ? 0 : answer.error)));
    });
  }

  /* ---- answering ----------------------------------------------------------------------------------- */

  #schedule(
    slot: number,
    seq: number,
    answers: ResponseType,
    produce: () => { fields: ResponseFields; status: CommandStatus; error: number },
  ): void {
    const plan: AnswerPlan = {
      delayMs: 0,
      timeExtensionEveryMs: 0,
      multiplier: 1,
      extraTimeExtensions: 0,
      hang: false,
      deaf: false,
      staleFrameFirst: false,
      zeroLengthFirst: 0,
      garbageAfter: null,
      rewrite: null,
      ...this.#everyAnswer,
      ...this.#nextAnswers.shift(),
    };
    const state = this.#slot(slot);
    const timers: ReturnType<typeof setTimeout>[] = [];
    const cancel = (): void => timers.forEach((t) => clearTimeout(t)); // clears intervals too (HTML timers share ids)
    const send = (frame: Uint8Array): void => this.#send(plan.rewrite ? plan.rewrite(frame) : frame);
    // CCID 1.1 §6.2.6: a time extension comes in the response message of the pending command.
    const timeExtension = (): void =>
      send(encodeResponse(emptyFields(answers), this.#status(slot, seq, 'timeExtension', plan.multiplier)));
    state.busy = { seq, answers, deaf: plan.deaf, cancel };
    if (plan.hang || plan.deaf) return;
    if (plan.timeExtensionEveryMs > 0) timers.push(setInterval(timeExtension, plan.timeExtensionEveryMs));
    const answer = (): void => {
      cancel();
      if (state.busy?.seq !== seq) return;
      state.busy = null;
      for (let i = 0; i < plan.extraTimeExtensions; i++) timeExtension();
      if (plan.staleFrameFirst) {
        this.#send(encodeResponse({ type: 'SlotStatus' }, this.#status(slot, (seq + 128) & 0xff, 'ok', 0)));
      }
      for (let i = 0; i < plan.zeroLengthFirst; i++) this.#send(new Uint8Array(0));
      const { fields, status, error } = produce();
      const frame = encodeResponse(fields, this.#status(slot, seq, status, error));
      send(plan.garbageAfter ? concatBytes([frame, plan.garbageAfter]) : frame);
    };
    if (plan.delayMs > 0) timers.push(setTimeout(answer, plan.delayMs));
    else queueMicrotask(answer);
  }

  #execute(slot: number, command: Command): { fields: ResponseFields; status: CommandStatus; error: number } {
    const s = this.#slot(slot);
    const ok = (fields: ResponseFields) => ({ fields, status: 'ok' as const, error: 0 });
    const fail = (fields: ResponseFields, error: number) => ({ fields, status: 'failed' as const, error });
    switch (command.type) {
      case 'IccPowerOn': {
        const reject = this.#checkPowerSelect(command.powerSelect);
        if (reject !== null) return fail({ type: 'DataBlock' }, reject);
        if (!s.card) return fail({ type: 'DataBlock' }, ReaderError.iccMute);
        const voltage = POWER_SELECT_VOLTAGE[command.powerSelect];
        if (voltage && s.card.voltages && !s.card.voltages.some((v) => v === voltage)) {
          return fail({ type: 'DataBlock' }, ReaderError.iccMute);
        }
        const activation = this.#setup.link.activate(s.card);
        if (!activation) return fail({ type: 'DataBlock' }, ReaderError.iccMute);
        s.powered = true;
        s.protocol = activation.protocol ?? 0;
        s.parameters = activation.parameters ?? DEFAULT_T0_PARAMETERS;
        s.commandChain = [];
        s.responseChain = [];
        return ok({ type: 'DataBlock', data: activation.atr });
      }
      case 'IccPowerOff':
        s.powered = false;
        return ok({ type: 'SlotStatus', clockStatus: 0 });
      case 'GetSlotStatus':
      case 'IccClock':
        return ok({ type: 'SlotStatus', clockStatus: 0 });
      case 'XfrBlock':
        this.#recordBwi(command.bwi);
        return this.#xfrBlock(s, command.data, command.levelParameter);
      case 'GetParameters':
        if (!s.card) return fail({ type: 'Parameters', protocol: 0 }, ReaderError.iccMute);
        return ok({ type: 'Parameters', protocol: s.protocol, data: s.parameters });
      case 'ResetParameters':
        s.protocol = 0;
        s.parameters = DEFAULT_T0_PARAMETERS;
        return ok({ type: 'Parameters', protocol: s.protocol, data: s.parameters });
      case 'SetParameters': {
        if (!s.card) return fail({ type: 'Parameters', protocol: 0 }, ReaderError.iccMute);
        if (!this.#setup.descriptor.protocols.includes(command.protocol)) {
          return fail({ type: 'Parameters', protocol: s.protocol, data: s.parameters }, ReaderError.badProtocol);
        }
        if (command.data.length !== PROTOCOL_DATA_LENGTH[command.protocol]) {
          return fail({ type: 'Parameters', protocol: s.protocol, data: s.parameters }, ReaderError.badLength);
        }
        s.protocol = command.protocol;
        s.parameters = command.data.slice();
        this.#setup.link.setParameters?.(s.card, s.protocol, s.parameters);
        return ok({ type: 'Parameters', protocol: s.protocol, data: s.parameters });
      }
      case 'SetDataRateAndClockFrequency':
        return ok({
          type: 'DataRateAndClockFrequency',
          clockFrequency: command.clockFrequency,
          dataRate: command.dataRate,
        });
      case 'Escape': {
        const escape = matchEscape(this.#setup.escapes ?? [], command.data);
        if (!escape) return fail({ type: 'Escape' }, ReaderError.commandNotSupported);
        this.#recordEscape(escape.name);
        return ok({ type: 'Escape', data: Uint8Array.from(escape.answer) });
      }
      case 'Secure':
        // No keypad (QEMU's usb-ccid answers so despite bPINSupport), or no powered card to send to.
        return fail({ type: 'DataBlock' }, this.#setup.pinpad ? ReaderError.iccMute : ReaderError.commandNotSupported);
      case 'T0Apdu':
      case 'Mechanical':
        return fail({ type: 'SlotStatus' }, ReaderError.commandNotSupported);
      case 'Abort':
        return ok({ type: 'SlotStatus' });
    }
  }

  /**
   * XfrBlock: at APDU level the reader assembles chained command parts (wLevelParameter 1/3/2) and
   * hands out long responses in parts (bChainParameter 1/3/2, continued by 0x10), CCID 1.1 §6.1.4.
   */
  #xfrBlock(s: SlotState, data: Uint8Array, level: number): { fields: ResponseFields; status: CommandStatus; error: number } {
    const fail = (error: number) => ({ fields: { type: 'DataBlock' } as const, status: 'failed' as const, error });
    const part = (bytes: Uint8Array, chainParameter: number) => ({
      fields: { type: 'DataBlock', data: bytes, chainParameter } as const,
      status: 'ok' as const,
      error: 0,
    });
    if (!s.card || !s.powered) return fail(ReaderError.iccMute);
    const { exchangeLevel } = this.#setup.descriptor;
    const max = (this.#setup.maxMessageLength ?? this.#setup.descriptor.dwMaxCCIDMessageLength) - HEADER_LENGTH;
    if (data.length > max) return fail(ReaderError.badLength);
    if (exchangeLevel !== 'extendedApdu') {
      if (level !== 0) return fail(ReaderError.badLevelParameter);
      const answer = this.#setup.link.exchange(s.card, data);
      if (answer === null) return fail(ReaderError.iccMute);
      return answer instanceof Uint8Array ? part(answer, 0) : fail(answer.error);
    }
    switch (level) {
      case 0x00:
      case 0x02: {
        const command = level === 0 ? data : concatBytes([...s.commandChain, data]);
        if (level === 0x02 && s.commandChain.length === 0) return fail(ReaderError.badLevelParameter);
        s.commandChain = [];
        const answer = this.#setup.link.exchange(s.card, command);
        if (answer === null) return fail(ReaderError.iccMute);
        if (!(answer instanceof Uint8Array)) return fail(answer.error);
        if (answer.length <= max) return part(answer, 0);
        s.responseChain = [];
        for (let at = max; at < answer.length; at += max) s.responseChain.push(answer.subarray(at, at + max));
        return part(answer.subarray(0, max), 0x01);
      }
      case 0x01:
      case 0x03:
        if ((level === 0x01) !== (s.commandChain.length === 0)) return fail(ReaderError.badLevelParameter);
        s.commandChain.push(data);
        return part(new Uint8Array(0), 0x10);
      case 0x10: {
        const next = s.responseChain.shift();
        if (!next || data.length !== 0) return fail(ReaderError.badLevelParameter);
        return part(next, s.responseChain.length === 0 ? 0x02 : 0x03);
      }
      default:
        return fail(ReaderError.badLevelParameter);
    }
  }

  #checkPowerSelect(powerSelect: number): number | null {
    const d = this.#setup.descriptor;
    // "Automatic" (00) is taken by a reader that selects the voltage itself (dwFeatures 0x08), one that
    // activates the card on insertion by itself (0x04: libccid powers those with 00, and they work),
    // and one that announces no voltage at all (bVoltageSupport 0, two in the corpus).
    if (powerSelect === 0) {
      return d.automatic.voltage || d.automatic.activation || d.voltages.length === 0 ? null : ReaderError.badPowerSelect;
    }
    const voltage = POWER_SELECT_VOLTAGE[powerSelect];
    if (!voltage || !d.voltages.some((v) => v === voltage)) return ReaderError.badPowerSelect;
    return null;
  }

  #answerAbort(slot: number, seq: number): void {
    if (this.#slots[slot]?.busy?.deaf) return;
    const requested = this.#abortRequest;
    if (!requested || requested.slot !== slot || requested.seq !== seq) {
      this.violations.push(`PC_to_RDR_Abort (slot ${slot}, seq ${seq}) without the matching ABORT class request`);
    }
    this.#abortRequest = null;
    const s = this.#slot(slot);
    if (s.busy) {
      s.busy.cancel();
      this.#sendAsEveryAnswer(encodeResponse(emptyFields(s.busy.answers), this.#status(slot, s.busy.seq, 'failed', ReaderError.aborted)));
      s.busy = null;
    }
    this.#sendAsEveryAnswer(encodeResponse({ type: 'SlotStatus' }, this.#status(slot, seq, 'ok', 0)));
  }

  #checkSequence(command: Command, seq: number): void {
    if (command.type === 'Abort') return; // reuses the bSeq of the command it aborts
    // CCID 1.1 §6.1: the host picks bSeq and the reader echoes it. A host that starts over (a page
    // reloaded in the browser: a new driver) begins again at 0, and nothing on the bus tells the
    // reader (seen with Chromium over USB/IP); a skip or a repeat within a session stays a fault.
    if (this.#lastSeq !== null && seq !== ((this.#lastSeq + 1) & 0xff) && seq !== 0) {
      this.violations.push(`bSeq ${seq} after ${this.#lastSeq}: not incremented`);
    }
    this.#lastSeq = seq;
  }

  /** Answers to an abort follow the standing plan's lies too (a reader that always lies does so here as well). */
  #sendAsEveryAnswer(frame: Uint8Array): void {
    this.#send(this.#everyAnswer.rewrite ? this.#everyAnswer.rewrite(frame) : frame);
  }

  #status(slot: number, seq: number, commandStatus: CommandStatus, error: number) {
    const s = this.#slots[slot];
    const iccStatus: IccStatus = !s?.card ? 'absent' : s.powered ? 'active' : 'inactive';
    return { slot, seq, iccStatus, commandStatus, error };
  }

  #send(frame: Uint8Array): void {
    this.#queueIn(this.#setup.endpoints.bulkIn, frame);
  }

  /**
   * CCID 1.1 §6.3.1 RDR_to_PC_NotifySlotChange, when the reader has an interrupt endpoint. Its
   * "changed" bits count since the last notification the host took: one still waiting in the
   * endpoint is replaced by one that carries its changes too (coalesceNotifications). Seen under
   * libccid: a host that opens the reader after a card came and went gets one notification, not
   * a history (libccid reads it off at open, ccid_open_hack_pre).
   */
  #notify(changedSlot: number): void {
    const ep = this.#setup.endpoints.interruptIn;
    if (ep === null) return;
    const bitmap = this.#slots.map((s, i) => ({ present: s.card !== null, changed: i === changedSlot }));
    this.#queueIn(ep, encodeNotifySlotChange(bitmap), coalesceNotifications);
  }

  #slot(index: number): SlotState {
    const s = this.#slots[index];
    if (!s) throw new RangeError(`virtual reader has no slot ${index}`);
    return s;
  }
}

/**
 * A NotifySlotChange the host has not taken yet, merged with a newer one: current presence, changes
 * of both. Anything else waiting (a HardwareError) stays as it is, and the newer one queues after it.
 */
export function coalesceNotifications(waiting: Uint8Array, newer: Uint8Array): Uint8Array | null {
  if (waiting[0] !== INTERRUPT_CODES.NotifySlotChange || waiting.length !== newer.length) return null;
  const merged = newer.slice();
  // bmSlotICCState: two bits per slot from bit 0 of byte 1; the second of each pair = "changed".
  for (let i = 1; i < merged.length; i++) merged[i] = (merged[i] ?? 0) | ((waiting[i] ?? 0) & 0xaa);
  return merged;
}

/** The answer type of each PC_to_RDR message code, to answer even a message we cannot decode. */
const RESPONSE_FOR_CODE: ReadonlyMap<number, ResponseFields['type']> = new Map(
  (Object.keys(COMMAND_CODES) as Command['type'][]).map((type) => [COMMAND_CODES[type], RESPONSE_TO[type]]),
);

function emptyFields(type: ResponseFields['type']): ResponseFields {
  if (type === 'Parameters') return { type, protocol: 0 };
  if (type === 'DataRateAndClockFrequency') return { type, clockFrequency: 0, dataRate: 0 };
  return { type };
}
