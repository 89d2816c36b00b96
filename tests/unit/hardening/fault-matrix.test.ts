/**
 * Fault matrix (issue 6 §1): every flow, on a PIN-pad APDU reader and a PIN-pad TPDU T=1 reader,
 * with every fault injected right before each bulk transfer k of the flow's fault-free run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcidError, CcidReader } from '../../../src/ccid';
import type { Outcome } from '../../../src/card';
import { checkCard } from '../../../src/flows';
import { createVirtualEcard } from '../../../src/sim';
import { FLOW_NAMES, FLOWS, PINPAD_READERS, RESET_PIN, TRANSPORT_PIN, hookBulkTransfers, openDesk, type Desk, type FlowName } from './desk';

const MATRIX_FLOWS: readonly FlowName[] = [...FLOW_NAMES, 'verify-wrong-pin'];
const FAULTS = ['card removed', 'card swapped', 'reader unplugged', 'endpoint stall', 'time-extension storm', 'mute card', 'corrupted T=1 block'] as const;
type Fault = (typeof FAULTS)[number];

/** Small transport caps so that a storm of time extensions ends the command quickly (CCID 1.1 §6.2.6: bmCommandStatus 2 = time extension). */
const TRANSPORT = { commandTimeoutMs: 50, maxCommandMs: 150, abortTimeoutMs: 100 } as const;
/** A flow must end within this, whatever the fault. */
const BOUND_MS = 2_000;

const unhandled: unknown[] = [];
const collect = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', collect));
afterAll(() => void process.off('unhandledRejection', collect));

function inject(desk: Desk, flow: FlowName, fault: Fault, direction: USBDirection): void {
  switch (fault) {
    case 'card removed':
      return desk.virtual.remove();
    case 'card swapped':
      desk.virtual.remove();
      return desk.virtual.insert(createVirtualEcard(FLOWS[flow].card));
    case 'reader unplugged':
      return desk.virtual.unplug();
    case 'endpoint stall':
      return desk.virtual.stallNext(direction);
    case 'time-extension storm':
      return desk.virtual.planNextAnswer({ delayMs: 5_000, timeExtensionEveryMs: 2, multiplier: 1 });
    case 'mute card':
      return desk.card.faults.mute();
    case 'corrupted T=1 block':
      return desk.card.faults.corruptNextEdc();
  }
}

type Ended = { outcome: Outcome } | { error: CcidError };

async function bounded(flow: Promise<Outcome>): Promise<Ended> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no outcome within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    return { outcome: await Promise.race([flow, hang]) };
  } catch (error) {
    if (error instanceof CcidError) return { error };
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** What checkCard says of a healthy card in each state. */
const CHECK_KIND = { active: 'tries-left', transport: 'not-activated', blocked: 'blocked', invalid: 'card-invalid' } as const;

async function transfersOf(file: string, flow: FlowName): Promise<number> {
  const desk = await openDesk(file, flow, TRANSPORT);
  const count = hookBulkTransfers(desk.virtual.device, desk.reader.ccid.interruptIn?.number ?? null, () => undefined);
  expect((await desk.run()).kind).toBe(FLOWS[flow].done);
  return count();
}

async function cell(file: string, flow: FlowName, fault: Fault, k: number, faultFree: number): Promise<void> {
  const desk = await openDesk(file, flow, TRANSPORT);
  const before = { pin: FLOWS[flow].card.pin ?? TRANSPORT_PIN, state: desk.card.state() };
  let injected = false;
  const transfers = hookBulkTransfers(desk.virtual.device, desk.reader.ccid.interruptIn?.number ?? null, (index, direction) => {
    if (index !== k) return;
    injected = true;
    inject(desk, flow, fault, direction);
  });
  const ended = await bounded(desk.run());
  const ending = 'outcome' in ended ? ended.outcome.kind : ended.error.name;
  tally(file, fault, transfers() > faultFree ? `${ending} (more transfers)` : ending);
  expect(injected).toBe(true);
  expect('outcome' in ended || ended.error instanceof CcidError).toBe(true);
  // The PIN command reached the card at most once; a try is lost only for a wrong PIN that reached it.
  const tries = desk.card.ledger.length;
  expect(tries).toBeLessThanOrEqual(1);
  expect(desk.card.triesConsumed()).toBe(flow === 'verify-wrong-pin' ? tries : 0);
  if ('outcome' in ended && ended.outcome.kind === 'wrong-pin') expect(desk.card.triesConsumed()).toBe(1);
  // "ok" is never said unless the card took the PIN.
  if ('outcome' in ended && ended.outcome.kind === 'ok') expect(desk.card.ledger[0]?.ok).toBe(true);
  if (tries === 0) {
    expect(desk.card.hasPin(before.pin)).toBe(true);
    expect(desk.card.state()).toBe(before.state);
  } else if (flow === 'reset') {
    // RESET RETRY COUNTER with 0000 reached the card: fully reset, whatever the flow saw.
    expect(desk.card.state() === 'active' && desk.card.hasPin(RESET_PIN)).toBe(true);
  }
  // Re-plug / re-insert, open again: the driver works.
  desk.card.faults.unmute();
  await desk.reader.close().catch(() => undefined);
  if (fault === 'card removed' || fault === 'card swapped') desk.virtual.insert(desk.card);
  desk.virtual.plug();
  const reader = await CcidReader.open(desk.virtual.device, TRANSPORT);
  const slot = reader.slots[0];
  if (!slot) throw new Error('no slot 0');
  const check = await checkCard({ slot, pins: { kind: 'screen', send: () => Promise.reject(new Error('no PIN in a check')) }, confirmLastTry: async () => false });
  expect(check.kind).toBe(CHECK_KIND[desk.card.state()]);
  await reader.close();
}

const results: { cells: number; passed: number } = { cells: 0, passed: 0 };
/** How each fault ended, per reader: "reader|fault" → outcome kind or error name → count. */
const endings = new Map<string, Map<string, number>>();
function tally(file: string, fault: Fault, ending: string): void {
  const key = `${file}|${fault}`;
  const counts = endings.get(key) ?? new Map<string, number>();
  counts.set(ending, (counts.get(ending) ?? 0) + 1);
  endings.set(key, counts);
}
afterAll(() => {
  for (const [key, counts] of endings) console.log(key, Object.fromEntries(counts));
  console.log(`fault matrix: ${results.passed}/${results.cells} cells passed (${FAULTS.length} faults × flows × transfer index)`);
});

describe.each(PINPAD_READERS)('fault matrix on $name', ({ file }) => {
  it.each(MATRIX_FLOWS.map((flow) => ({ flow })))('$flow: every fault at every transfer ends typed, keeps the tries, leaves the driver usable', async ({ flow }) => {
    const k = await transfersOf(file, flow);
    expect(k).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const fault of FAULTS) {
      for (let index = 0; index < k; index++) {
        results.cells++;
        try {
          await cell(file, flow, fault, index, k);
          results.passed++;
        } catch (error) {
          failures.push(`${fault} @${index}/${k}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});

it('no unhandled rejection during the whole matrix', async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(unhandled.map(String)).toEqual([]);
});

it('every fault took effect: it changed some ending, or (corrupted block) was recovered by a retransmission', () => {
  const quiet = new Set<string>(MATRIX_FLOWS.map((flow) => FLOWS[flow].done));
  for (const { file } of PINPAD_READERS) {
    for (const fault of FAULTS) {
      const seen = [...(endings.get(`${file}|${fault}`)?.keys() ?? [])];
      if (fault !== 'corrupted T=1 block') expect(seen.filter((e) => !quiet.has(e)), `${file} ${fault}`).not.toEqual([]);
    }
  }
  // ISO/IEC 7816-3 §11.6.3: on the TPDU reader the host answers a bad EDC with an R-block and the card sends again.
  const tpdu = [...(endings.get('GemPCPinpad.txt|corrupted T=1 block')?.keys() ?? [])];
  expect(tpdu.some((e) => e.endsWith('(more transfers)'))).toBe(true);
});
