/**
 * Trace fixtures for TPDU-level exchanges (T=1 blocks, T=0 TPDUs): a script of what the host must
 * send and what the reader answers, played back in order. The first line the host diverges from
 * is named in the error, so a test reads like the capture it checks.
 *
 *   => 00 00 05 00 A4 04 00 00 A1   # the host must send exactly these bytes
 *   <= 00 00 02 90 00 92            # ... and gets these back
 *   => {bwi 2} 00 80 00 80          # a tag the adapter reports with the bytes (here the BWT multiplier)
 *   <= !mute                        # the answer is an error made by the named factory
 */
import { fromHex, toHex } from './bytes';

/** The script is malformed, the host sent something else, or the script was not used up. */
export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

interface Step {
  line: number;
  tag: string;
  sent: string;
  answer: { bytes: Uint8Array } | { raise: string };
}

const LINE = /^(=>|<=)\s*(?:\{([^}]*)\})?\s*(.*)$/;

function parse(script: string): Step[] {
  const steps: Step[] = [];
  let pending: Omit<Step, 'answer'> | undefined;
  script.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.replace(/#.*$/, '').trim();
    if (text === '') return;
    const match = LINE.exec(text);
    if (!match) throw new TraceError(`trace line ${line}: expected "=> ..." or "<= ...", got ${JSON.stringify(text)}`);
    const [, arrow, tag = '', body = ''] = match;
    if (arrow === '=>') {
      if (pending) throw new TraceError(`trace line ${line}: two "=>" lines in a row`);
      pending = { line, tag: tag.trim(), sent: toHex(fromHex(body)) };
      return;
    }
    if (!pending) throw new TraceError(`trace line ${line}: "<=" without a "=>" before it`);
    steps.push({ ...pending, answer: body.startsWith('!') ? { raise: body.slice(1).trim() } : { bytes: fromHex(body) } });
    pending = undefined;
  });
  if (pending) throw new TraceError(`trace line ${pending.line}: "=>" without an answer`);
  return steps;
}

export interface TracePlayer {
  /** Checks `sent` (and `tag`) against the next "=>" line and returns or raises its answer. */
  answer(sent: Uint8Array, tag?: string): Uint8Array;
  /** Exchanges played so far. */
  readonly played: number;
  /** Throws a TraceError unless every line was played. */
  assertDone(): void;
}

export function playTrace(script: string, raise: Readonly<Record<string, () => Error>> = {}): TracePlayer {
  const steps = parse(script);
  let played = 0;
  return {
    answer(sent, tag = '') {
      const shown = `=> ${tag ? `{${tag}} ` : ''}${toHex(sent)}`;
      const step = steps[played];
      if (!step) throw new TraceError(`trace ended after ${played} exchanges, but the host sent ${shown}`);
      if (step.sent !== toHex(sent) || step.tag !== tag) {
        const expected = `=> ${step.tag ? `{${step.tag}} ` : ''}${step.sent}`;
        throw new TraceError(`trace line ${step.line}: expected ${expected}\n                  host sent ${shown}`);
      }
      played += 1;
      if ('bytes' in step.answer) return step.answer.bytes.slice();
      const make = raise[step.answer.raise];
      if (!make) throw new TraceError(`trace line ${step.line}: no error factory named "${step.answer.raise}"`);
      throw make();
    },
    get played() {
      return played;
    },
    assertDone() {
      const step = steps[played];
      if (step) throw new TraceError(`trace line ${step.line}: never played (the host stopped after ${played} exchanges)`);
    },
  };
}
