/**
 * The reader's side of a browser-usb scenario: what a person at the desk (or the CAS) does to the
 * hardware while the page runs — press the PIN pad's keys, swap the card, pull the cable — and what
 * the card itself counted. In the QEMU guest it is the virtual reader behind the USB/IP export, in
 * the suite's own process (guest-desk.ts); in the e2e it is the injected reader's controls. The page
 * never sees any of it: it talks to the reader through the browser's WebUSB.
 */
import type { PinPadKey, PinPromptKind, PinTry, VirtualEcardOptions } from '../../src/sim';

export interface ReaderInfo {
  readonly id: string;
  readonly name: string;
  readonly vendorId: number;
  readonly productId: number;
  /** 0x0B (Smart Card, protected in a normal page) or 0xFF (vendor class). */
  readonly interfaceClass: number;
  readonly pinpad: boolean;
}

/** What a scenario may do to the reader and the card. */
export interface DeviceSide {
  readonly reader: ReaderInfo;
  /** A new virtual eCard in the slot (the one there before is taken out). */
  insertEcard(card: VirtualEcardOptions): Promise<void>;
  removeCard(): Promise<void>;
  press(keys: readonly PinPadKey[]): Promise<void>;
  /** The prompt on the PIN pad's display now (null: no PIN entry running). */
  pinpadPrompt(): Promise<PinPromptKind | null>;
  casUnblock(): Promise<'unblocked' | 'not-blocked'>;
  /** Every PIN command the card counted (VERIFY, CHANGE, RESET), oldest first. */
  ledger(): Promise<readonly PinTry[]>;
  /** Wrong PINs the card counted (a reset is not one). */
  triesConsumed(): Promise<number>;
  hasPin(pin: string): Promise<boolean>;
  /** Pulls the cable: the reader is gone at once, whatever it was doing. */
  unplug(): Promise<void>;
  /** Plugs it back in (the card still in it). */
  replug(): Promise<void>;
  /**
   * Where the reader side can: pulls the cable right after the card has answered its next PIN
   * command, before the answer leaves the reader.
   */
  unplugAfterNextPinCommand?(): void;
}

export class DeviceSideError extends Error {
  override readonly name = 'DeviceSideError';
}

/**
 * Waits for the PIN pad to show a prompt (the page asked the reader for a PIN), then types
 * `digits` and OK on it, as the person at the desk does. Returns the prompt that was answered.
 */
export async function typeAtNextPrompt(device: DeviceSide, digits: string, timeoutMs = 30_000): Promise<PinPromptKind> {
  const prompt = await nextPrompt(device, timeoutMs);
  await device.press([...(digits.split('') as PinPadKey[]), 'ok']);
  return prompt;
}

/** Waits for the PIN pad to show a prompt, then presses Cancel on it. */
export async function cancelAtNextPrompt(device: DeviceSide, timeoutMs = 30_000): Promise<PinPromptKind> {
  const prompt = await nextPrompt(device, timeoutMs);
  await device.press(['cancel']);
  return prompt;
}

/** Waits until the PIN pad shows a prompt (of `kind`, when given). */
export async function nextPrompt(device: DeviceSide, timeoutMs: number, kind?: PinPromptKind): Promise<PinPromptKind> {
  const started = performance.now();
  for (;;) {
    const prompt = await device.pinpadPrompt();
    if (prompt && (!kind || prompt === kind)) return prompt;
    if (performance.now() - started > timeoutMs) throw new DeviceSideError(`no PIN pad prompt${kind ? ` “${kind}”` : ''} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
