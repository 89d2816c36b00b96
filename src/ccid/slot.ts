/**
 * One slot of a CCID reader: status, power, APDUs. The exchange level of the reader decides how an
 * APDU travels (architecture.md, "Data path of one APDU").
 */
import { openCardSession, type CardSession, type SessionIo } from './card-session';
import { MalformedDataError, CardAbsentError, CardMuteError, CardNotPoweredError, CardProtocolError, BadParameterError, ReaderProtocolError } from './errors';
import type { CcidClassDescriptor, Voltage } from './descriptors';
import type { IccStatus, Response } from './messages';
import { enterPinOnPinpad, planModify, planVerify, type ModifyPinRequest, type PinEntryPlan, type VerifyPinRequest } from './pinpad';
import type { CcidTransport, CommandOptions } from './transport';

export interface SlotStatus {
  readonly card: IccStatus;
  /** bClockStatus (CCID 1.1 §6.2.2): 0 running, 1 stopped L, 2 stopped H, 3 stopped unknown. */
  readonly clock: number;
}

/** bPowerSelect values (CCID 1.1 §6.1.1). */
const POWER_SELECT: Readonly<Record<Voltage | 'auto', number>> = { auto: 0, '5.0V': 1, '3.0V': 2, '1.8V': 3 };
/** ISO 7816-3 §6.2.4: activate with the lowest voltage class first, then go up. */
const CLASS_ORDER: readonly Voltage[] = ['1.8V', '3.0V', '5.0V'];
/** Offset of bPowerSelect in PC_to_RDR_IccPowerOn: a reader names it when it refuses a voltage. */
const POWER_SELECT_OFFSET = 7;
/** Subscribes to this slot's card insertions (true) and removals (false); returns the unsubscribe. */
export type CardChangeWatch = (listener: (present: boolean) => void) => () => void;

/** What a reader answers for an empty slot: ICC_MUTE with bmICCStatus 2 (CCID 1.1 §6.2.6). */
const NO_CARD = { bError: 0xfe, iccStatus: 2 } as const;
/** bError ICC_CLASS_NOT_SUPPORTED. */
const CLASS_NOT_SUPPORTED = 0xf5;

/** Told the card's ATR whenever it changes: after a power-on, null when the card is off or gone. */
export type AtrListener = (atr: Uint8Array | null) => void;

export class CcidSlot {
  readonly index: number;
  readonly #transport: CcidTransport;
  readonly #descriptor: CcidClassDescriptor;
  readonly #dataRates: readonly number[];
  readonly #onAtr: AtrListener;
  #atr: Uint8Array | null = null;
  #session: CardSession | null = null;
  #powerSelect = 0;
  /** The reader told us the card left; cleared by the next power-on. */
  #removed = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #watch: CardChangeWatch;

  constructor(
    transport: CcidTransport,
    descriptor: CcidClassDescriptor,
    dataRates: readonly number[],
    index: number,
    watch: CardChangeWatch,
    onAtr: AtrListener = () => undefined,
  ) {
    this.#transport = transport;
    this.#descriptor = descriptor;
    this.#dataRates = dataRates;
    this.index = index;
    this.#onAtr = onAtr;
    this.#watch = watch;
  }

  /** The reader announces a PIN pad for PIN verification (bPINSupport bit 0, CCID 1.1 §5.1). */
  get pinpad(): boolean {
    return this.#descriptor.pinVerify;
  }

  /** The reader's slot-change notifications for this slot (interrupt endpoint, or polling without one). */
  onCardChange(listener: (present: boolean) => void): () => void {
    return this.#watch(listener);
  }

  /** Protocol, speed and the notes of how they were agreed, after a successful power-on. */
  get session(): CardSession | null {
    return this.#session;
  }

  /** The ATR of the last successful power-on, until the card is powered off or removed. */
  get atr(): Uint8Array | null {
    return this.#atr;
  }

  #setAtr(atr: Uint8Array | null): void {
    if (atr === this.#atr) return;
    this.#atr = atr;
    this.#onAtr(atr);
  }

  async status(): Promise<SlotStatus> {
    const r = await this.#command({ type: 'GetSlotStatus' });
    return { card: r.iccStatus, clock: r.type === 'SlotStatus' ? r.clockStatus : 0 };
  }

  /**
   * Powers the card, agrees protocol and speed with it, and returns its ATR. Voltage: automatic
   * when the reader selects it (dwFeatures 0x08), else each supported voltage from the lowest class
   * up, until the card answers. A card the reader cannot work with fails with
   * CardNotSupportedError (its ATR stays readable in `atr`).
   */
  powerOn(): Promise<Uint8Array> {
    return this.#exclusive(async () => {
      const atr = await this.#activate();
      this.#session = await openCardSession(atr, this.#descriptor, this.#dataRates, this.#sessionIo());
      return atr;
    });
  }

  async #activate(): Promise<Uint8Array> {
      this.#setAtr(null);
      this.#session = null;
      this.#removed = false;
      const voltages = this.#descriptor.automatic.voltage || this.#descriptor.voltages.length === 0
        ? (['auto'] as const)
        : CLASS_ORDER.filter((v) => this.#descriptor.voltages.includes(v));
      let lastError: unknown;
      for (const voltage of voltages) {
        try {
          const r = await this.#command({ type: 'IccPowerOn', powerSelect: POWER_SELECT[voltage] });
          if (r.type !== 'DataBlock' || r.data.length === 0) {
            throw new MalformedDataError('IccPowerOn answer', 10, 'an ATR', 'no data');
          }
          const atr = r.data.slice();
          this.#setAtr(atr);
          this.#powerSelect = POWER_SELECT[voltage];
          return atr;
        } catch (error) {
          if (!isWrongVoltage(error)) throw error;
          lastError = error;
          await this.#command({ type: 'IccPowerOff' }).catch(() => undefined);
        }
      }
      throw lastError;
  }

  powerOff(): Promise<void> {
    return this.#exclusive(async () => {
      this.#setAtr(null);
      this.#session = null;
      await this.#command({ type: 'IccPowerOff' });
    });
  }

  /** Sends a command APDU and returns the whole response APDU (data + SW1 SW2). */
  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    return this.#exclusive(async () => checkResponseApdu(await this.#poweredSession().transmit(apdu)));
  }

  /**
   * The user types the PIN on the reader's keypad; the reader completes `apduHeader` with it and
   * sends it to the card (pinpad.ts). Returns the card's response APDU. Refusals that cost no try:
   * PinEntryCancelledError / PinEntryTimeoutError (bError) and PinPadRefusalError (SW 64xx); a
   * reader whose PIN pad cannot be used: PinPadUnavailableError. Never retried.
   */
  verifyPinOnPinpad(request: VerifyPinRequest): Promise<Uint8Array> {
    return this.#pinEntry(() => planVerify(request, this.#pinpadReader()));
  }

  /** As verifyPinOnPinpad, for a command that takes the current and/or new PIN (PIN modification). */
  modifyPinOnPinpad(request: ModifyPinRequest): Promise<Uint8Array> {
    return this.#pinEntry(() => planModify(request, this.#pinpadReader()));
  }

  #pinEntry(plan: () => PinEntryPlan): Promise<Uint8Array> {
    return this.#exclusive(async () => {
      const planned = plan();
      const session = this.#poweredSession();
      return checkResponseApdu(await enterPinOnPinpad(session, planned, (data, timing) => this.#secure(data, timing)));
    });
  }

  #pinpadReader() {
    const { vendorId, productId } = this.#transport.device;
    return { descriptor: this.#descriptor, vendorId, productId };
  }

  async #secure(data: Uint8Array, timing: CommandOptions): Promise<Uint8Array> {
    const r = await this.#command({ type: 'Secure', bwi: 0, levelParameter: 0, data }, timing);
    if (r.type !== 'DataBlock') throw new MalformedDataError('Secure answer', 0, 'RDR_to_PC_DataBlock', r.type);
    // CCID 1.1 §6.2.1: a PIN entry answer comes in one piece; this driver never asks for the rest.
    if (r.chainParameter !== 0) throw new ReaderProtocolError(`Secure answered with bChainParameter 0x${r.chainParameter.toString(16)}`);
    return r.data;
  }

  #poweredSession(): CardSession {
    if (this.#removed) throw new CardAbsentError(`slot ${this.index}: the card was removed`, NO_CARD.bError, NO_CARD.iccStatus);
    if (!this.#atr || !this.#session) throw new CardNotPoweredError(`slot ${this.index}: the card is not powered`);
    return this.#session;
  }

  /** The reader saw the card come or go: whatever was powered is gone. */
  cardChanged(present: boolean): void {
    if (present) return;
    this.#setAtr(null);
    this.#session = null;
    this.#removed = true;
  }

  /** The CCID commands a card session needs, run inside the slot's current operation. */
  #sessionIo(): SessionIo {
    return {
      xfrBlock: async (data, levelParameter, options = {}) => {
        const scale = Math.max(1, options.timeoutScale ?? 1);
        const timing: CommandOptions = scale > 1 ? { timeoutMs: this.#transport.commandTimeoutMs * scale } : {};
        const r = await this.#command({ type: 'XfrBlock', bwi: options.bwi ?? 0, levelParameter, data }, timing);
        if (r.type !== 'DataBlock') throw new MalformedDataError('XfrBlock answer', 0, 'RDR_to_PC_DataBlock', r.type);
        return { data: r.data, chainParameter: r.chainParameter };
      },
      setParameters: async (protocol, data) => {
        await this.#command({ type: 'SetParameters', protocol, data });
      },
      getParameters: async () => {
        const r = await this.#command({ type: 'GetParameters' });
        if (r.type !== 'Parameters') throw new MalformedDataError('GetParameters answer', 0, 'RDR_to_PC_Parameters', r.type);
        return { protocol: r.protocol, data: r.data };
      },
      repower: async () => {
        await this.#command({ type: 'IccPowerOff' });
        const r = await this.#command({ type: 'IccPowerOn', powerSelect: this.#powerSelect });
        if (r.type !== 'DataBlock' || r.data.length === 0) throw new MalformedDataError('IccPowerOn answer', 10, 'an ATR', 'no data');
        const atr = r.data.slice();
        this.#setAtr(atr);
        return atr;
      },
    };
  }

  async #command(command: Parameters<CcidTransport['execute']>[1], options?: CommandOptions): Promise<Response> {
    try {
      return await this.#transport.execute(this.index, command, options);
    } catch (error) {
      if (error instanceof CardAbsentError) this.#setAtr(null);
      throw error;
    }
  }

  /** One card operation at a time per slot (chaining and GET RESPONSE must not interleave). */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function isWrongVoltage(error: unknown): boolean {
  return (
    error instanceof CardMuteError ||
    (error instanceof CardProtocolError && error.bError === CLASS_NOT_SUPPORTED) ||
    (error instanceof BadParameterError && error.offset === POWER_SELECT_OFFSET)
  );
}

function checkResponseApdu(response: Uint8Array): Uint8Array {
  if (response.length < 2) {
    throw new MalformedDataError('response APDU', response.length, 'at least SW1 SW2', `${response.length} bytes`);
  }
  return response;
}
