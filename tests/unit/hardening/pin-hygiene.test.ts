/**
 * PIN hygiene (issue 6 §4): every flow, on PIN-pad readers and on a reader without PIN pad (the PIN
 * crosses the host in the APDU), with the driver's log and the console recorded: the PINs used
 * appear nowhere, as text or as ASCII hex, and the log holds message headers only.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CcidError } from '../../../src/ccid';
import { FLOW_NAMES, FLOWS, hookBulkTransfers, openDesk, type FlowName } from './desk';

const READERS = [
  { name: 'CardMan 3821 (APDU, PIN pad)', file: 'CardMan3821.txt', pinpad: true },
  { name: 'GemPC Pinpad (TPDU T=1, PIN pad)', file: 'GemPCPinpad.txt', pinpad: true },
  { name: 'GemPC Twin (TPDU T=1, screen keypad)', file: 'GemPCTwin.txt', pinpad: false },
] as const;

const HYGIENE_FLOWS: readonly FlowName[] = [...FLOW_NAMES, 'verify-wrong-pin'];

const hex = (pin: string, separator: string) => [...pin].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(separator);

/** How a PIN would show: "7395", "37 33 39 35", "37333935" (any case); 3-digit PINs as hex only. */
function needles(pin: string): string[] {
  return [hex(pin, ' '), hex(pin, ''), hex(pin, ':'), ...(pin.length >= 4 ? [pin] : [])];
}

function hits(haystack: readonly string[], pins: readonly string[]): string[] {
  return pins.flatMap((pin) => needles(pin).flatMap((n) => haystack.filter((line) => line.toLowerCase().includes(n.toLowerCase())).map((line) => `${n} in "${line}"`)));
}

/** A log line names one USB call and the message header: no run of payload bytes. */
const HEADER_LINE = /^#\d+ (CTRL IN|OUT|IN|ABORT|INT)\b[^]*$/;
const BYTE_RUN = /\b([0-9a-f]{2}[ :]?){4,}\b/i;

let consoleLines: string[] = [];
beforeEach(() => {
  consoleLines = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map(String).join(' ')));
  }
});
afterEach(() => vi.restoreAllMocks());

function describeError(error: unknown): string[] {
  const lines: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) lines.push(e.name, e.message, e.stack ?? '');
  return lines;
}

const report = { runs: 0, lines: 0, hits: 0, errors: 0 };

describe.each(READERS)('PIN hygiene on $name', ({ file, pinpad }) => {
  it.each(HYGIENE_FLOWS.map((flow) => ({ flow })))('$flow: no PIN in the log, the console, the outcome or an error', async ({ flow }) => {
    const haystack: string[] = [];
    const log = (line: string) => void haystack.push(line);
    // A clean run, then one where the card goes mute right before the flow's last command (the PIN command).
    const clean = await openDesk(file, flow, { log }, pinpad);
    const outcome = await clean.run();
    expect(outcome.kind).toBe(FLOWS[flow].done);
    haystack.push(JSON.stringify(outcome));
    const pinSent = flow === 'check' ? 0 : 1;
    expect(clean.card.ledger.length).toBe(pinSent);

    const faulted = await openDesk(file, flow, { log, commandTimeoutMs: 50, maxCommandMs: 150 }, pinpad);
    const lastOut = (await countOuts(file, flow, pinpad)) - 1;
    let outs = 0;
    hookBulkTransfers(faulted.virtual.device, faulted.reader.ccid.interruptIn?.number ?? null, (_k, direction) => {
      if (direction === 'out' && outs++ === lastOut) faulted.card.faults.mute();
    });
    try {
      const muted = await faulted.run();
      // The PIN command met a mute card: the flow cannot have succeeded.
      expect(muted.kind).not.toBe(FLOWS[flow].done);
      haystack.push(JSON.stringify(muted));
    } catch (error) {
      expect(error).toBeInstanceOf(CcidError);
      report.errors++;
      haystack.push(...describeError(error));
    }
    haystack.push(...consoleLines);

    const logLines = haystack.filter((line) => line.startsWith('#'));
    expect(logLines.some((line) => / OUT (XfrBlock|Secure)/.test(line))).toBe(true);
    for (const line of logLines) {
      expect(line).toMatch(HEADER_LINE);
      expect(line).not.toMatch(BYTE_RUN);
    }
    const found = hits(haystack, FLOWS[flow].secrets);
    report.runs += 2;
    report.lines += haystack.length;
    report.hits += found.length;
    expect(found).toEqual([]);
  });
});

async function countOuts(file: string, flow: FlowName, pinpad: boolean): Promise<number> {
  const desk = await openDesk(file, flow, {}, pinpad);
  let outs = 0;
  hookBulkTransfers(desk.virtual.device, desk.reader.ccid.interruptIn?.number ?? null, (_k, direction) => void (direction === 'out' && outs++));
  await desk.run();
  return outs;
}

it('the search finds a PIN where there is one (the test can fail)', () => {
  expect(hits(['#3 OUT XfrBlock 00 20 00 01 04 37 33 39 35'], ['7395'])).toHaveLength(1);
  expect(hits(['data 37333935'], ['7395'])).toHaveLength(1);
  expect(hits(['pin=7395'], ['7395'])).toHaveLength(1);
  expect(hits(['#3 OUT XfrBlock length 19'], ['7395', '000'])).toEqual([]);
  expect('#3 OUT XfrBlock 00 20 00 01 04 37 33').toMatch(BYTE_RUN);
});

it('summary', () => {
  vi.restoreAllMocks();
  console.info(`PIN hygiene: ${report.runs} flow runs, ${report.lines} lines searched, ${report.hits} hits (${report.errors} runs ended in a typed error, messages searched)`);
  expect(report.hits).toBe(0);
  expect(report.runs).toBe(READERS.length * HYGIENE_FLOWS.length * 2);
});
