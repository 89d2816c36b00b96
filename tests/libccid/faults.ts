/**
 * USB-level faults, played by the USB/IP server under a real kernel, with each driver on the other
 * side: a bulk-IN endpoint that stalls (-EPIPE), an answer that comes after the host's own timeout
 * (the host unlinks its URB; the late frame then waits for the next read), and the device vanishing
 * while an APDU is on its way. Each ends with what the driver reported, how long it took, and
 * whether the next APDU (after a re-plug, for the vanishing device) worked.
 */
import { toHex } from '../../src/ccid';
import { selectEcardApdu } from '../../src/card';
import { describeError } from '../support/guest-report';
import type { ExportedReader } from '../usbip/server';

export type FaultKind = 'stall' | 'late-answer' | 'vanish';

export const FAULTS: readonly FaultKind[] = ['stall', 'late-answer', 'vanish'];

/** libccid's read timeout for the eCard's T=1 (BWI 4: "Timeout: 2760 ms" in pcscd's log). */
export const LIBCCID_T1_TIMEOUT_MS = 2760;

/** A late answer comes this long after the command: 2 s after the host's own timeout has struck. */
export function lateAnswerMs(hostTimeoutMs: number): number {
  return hostTimeoutMs + 2000;
}
const BULK_OUT = 1;
const XFR_BLOCK = 0x6f;

export interface FaultOutcome {
  readonly driver: 'ours' | 'libccid';
  readonly fault: FaultKind;
  /** What the APDU under the fault ended with: "ok <SW>" or the error's name. */
  readonly during: string;
  readonly ms: number;
  /** What the next APDU ended with (after re-plugging, for a vanished device). */
  readonly after: string;
  /** URBs the host unlinked while they were pending (its own timeouts, a device gone). */
  readonly unlinked: number;
}

/** Arms one fault on the exported reader, for the next APDU of a host that gives up after `hostTimeoutMs`. */
export function armFault(exported: ExportedReader, fault: FaultKind, hostTimeoutMs: number): void {
  if (fault === 'stall') exported.stallNext('in');
  else if (fault === 'late-answer') exported.reader.planNextAnswer({ delayMs: lateAnswerMs(hostTimeoutMs) });
  else exported.vanishWhen((urb) => urb.direction === 'out' && urb.endpoint === BULK_OUT && urb.data[0] === XFR_BLOCK);
}

/** Runs one APDU and tells how it ended, in words for the fault table. */
export async function outcomeOf(send: (apdu: Uint8Array) => Promise<Uint8Array>): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  try {
    const response = await send(selectEcardApdu());
    return { text: `ok ${toHex(response.subarray(-2), '')}`, ms: performance.now() - started };
  } catch (error) {
    return { text: describeError(error).slice(0, 160), ms: performance.now() - started };
  }
}
