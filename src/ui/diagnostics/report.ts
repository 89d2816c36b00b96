/**
 * Support diagnostics: a bounded trace of the driver's log lines (numbered, headers only — the
 * driver never logs payloads, so no PIN byte can appear) and the plain-text "Copy report".
 */
import { CcidError, type CcidClassDescriptor } from '../../ccid';
import type { PcscSlot } from '../../pcsc';

/** A trace asked to keep no line. */
export class TraceCapacityError extends CcidError {}

export interface Trace {
  push(line: string): void;
  /** The kept lines, oldest first. */
  lines(): readonly string[];
  /** Lines dropped because the trace was full. */
  readonly dropped: number;
}

/** Keeps the last `capacity` lines (older ones are counted, not kept). */
export function createTrace(capacity: number): Trace {
  if (!Number.isInteger(capacity) || capacity < 1) throw new TraceCapacityError(`trace capacity: expected an integer ≥ 1, got ${capacity}`);
  const kept: string[] = [];
  let dropped = 0;
  return {
    push(line) {
      kept.push(line);
      if (kept.length > capacity) {
        kept.shift();
        dropped++;
      }
    },
    lines: () => [...kept],
    get dropped() {
      return dropped;
    },
  };
}

const hex = (n: number, digits: number): string => n.toString(16).toUpperCase().padStart(digits, '0');

/** The descriptor facts support asks about, one "name: value" per line. */
export function descriptorSummary(d: CcidClassDescriptor): string[] {
  return [
    `bcdCCID: ${hex(d.bcdCCID, 4)}`,
    `slots: ${d.slotCount}`,
    `exchange level: ${d.exchangeLevel}`,
    `protocols: ${d.protocols.map((p) => `T=${p}`).join(', ') || 'none'}`,
    `voltages: ${d.voltages.join(', ') || 'none'}`,
    `dwFeatures: ${hex(d.dwFeatures, 8)}`,
    `dwMaxCCIDMessageLength: ${d.dwMaxCCIDMessageLength}`,
    `dwMaxIFSD: ${d.dwMaxIFSD}`,
    `PIN pad: verify ${d.pinVerify ? 'yes' : 'no'}, modify ${d.pinModify ? 'yes' : 'no'}`,
    `LCD: ${d.lcd ? `${d.lcd.lines}x${d.lcd.charactersPerLine}` : 'none'}`,
  ];
}

/** Which transport serves the reader, in the words support reads (the PC/SC reader's name and part 10 features included). */
export function transportLine(entry: {
  readonly transport: 'webusb' | 'pcsc';
  readonly pcscName: string | null;
  readonly pcsc: Pick<PcscSlot, 'info'> | null;
}): string {
  if (entry.transport === 'webusb') return 'WebUSB, this app\'s CCID driver';
  const features = entry.pcsc?.info.features;
  const list = features ? [...features].map(([tag, code]) => `${tag.toString(16).padStart(2, '0')}→${code.toString(16).toUpperCase()}`).join(' ') || 'none' : 'not read yet';
  return `PC/SC (Web Smart Card API), reader "${entry.pcscName ?? ''}", part 10 features: ${list}`;
}

export interface ReportInput {
  readonly userAgent: string;
  readonly readerName: string;
  readonly vidPid: string;
  /** transportLine() of the reader. */
  readonly transport: string;
  readonly descriptor: CcidClassDescriptor | null;
  readonly trace: Trace;
}

export function diagnosticReport(input: ReportInput): string {
  const trace = input.trace;
  return [
    'eCard PIN — diagnostic report',
    `browser: ${input.userAgent}`,
    `reader: ${input.readerName} (${input.vidPid})`,
    `transport: ${input.transport}`,
    ...(input.descriptor ? descriptorSummary(input.descriptor) : ['descriptor: not read (reader not open)']),
    `trace (${trace.lines().length} lines${trace.dropped > 0 ? `, ${trace.dropped} older dropped` : ''}):`,
    ...trace.lines(),
  ].join('\n');
}
