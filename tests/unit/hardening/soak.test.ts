/**
 * Soak (issue 6 §6): 10,000 checkCard flows on one virtual reader in one process. Heap growth stays
 * under a stated bound, every flow removes the slot listener it added, and no bulk transfer is left pending.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { CcidReader } from '../../../src/ccid';
import { checkCard, type FlowContext } from '../../../src/flows';
import { createVirtualEcard } from '../../../src/sim';
import { virtualReader } from '../../support/readers';

const FLOWS = 10_000;
const WARM_UP = 500;
/** Live heap growth allowed over 9,500 flows, measured after a full collection. */
const HEAP_GROWTH_BOUND_MB = 4;

// Vitest runs without --expose-gc: the flag set at run time gives a fresh context its gc().
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const heapMb = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

it(`${FLOWS} checkCard flows on one reader: bounded heap, listeners back to start, no pending transfer`, async () => {
  const virtual = virtualReader('CardMan3821.txt');
  virtual.insert(createVirtualEcard({ state: 'active' }));
  const reader = await CcidReader.open(virtual.device);
  const slot = reader.slots[0];
  if (!slot) throw new Error('no slot 0');

  // Slot listeners, counted at the reader's public door: each on() and each unsubscribe it returned.
  let listeners = 0;
  const on = reader.on.bind(reader);
  reader.on = (event, listener) => {
    const stop = on(event, listener);
    if (event !== 'slotchange') return stop;
    listeners++;
    let stopped = false;
    return () => {
      if (!stopped) listeners--;
      stopped = true;
      stop();
    };
  };
  let pendingBulkIn = 0;
  const transferIn = virtual.device.transferIn.bind(virtual.device);
  virtual.device.transferIn = (endpoint, length) => {
    if (endpoint === reader.ccid.interruptIn?.number) return transferIn(endpoint, length);
    pendingBulkIn++;
    return transferIn(endpoint, length).finally(() => void pendingBulkIn--);
  };

  const ctx: FlowContext = { slot, pins: { kind: 'screen', send: () => Promise.reject(new Error('no PIN in a check')) }, confirmLastTry: async () => false };
  const startListeners = listeners;
  let heapBefore = 0;
  const started = Date.now();
  for (let i = 0; i < FLOWS; i++) {
    if (i === WARM_UP) heapBefore = heapMb();
    const outcome = await checkCard(ctx);
    if (outcome.kind !== 'tries-left' || outcome.triesLeft !== 5) throw new Error(`flow ${i}: ${JSON.stringify(outcome)}`);
    if (listeners !== startListeners || pendingBulkIn !== 0) throw new Error(`flow ${i}: ${listeners} listeners, ${pendingBulkIn} bulk IN pending`);
  }
  const heapAfter = heapMb();
  console.info(
    `soak: ${FLOWS} checkCard flows in ${Date.now() - started} ms; heap ${heapBefore.toFixed(1)} MB after ${WARM_UP} → ${heapAfter.toFixed(1)} MB ` +
      `(after full GC; bound +${HEAP_GROWTH_BOUND_MB} MB); slot listeners ${startListeners} → ${listeners}; bulk IN pending ${pendingBulkIn}`,
  );
  expect(heapAfter - heapBefore).toBeLessThan(HEAP_GROWTH_BOUND_MB);
  expect(listeners).toBe(startListeners);
  expect(pendingBulkIn).toBe(0);
  expect(virtual.violations()).toEqual([]);
  await reader.close();
}, 120_000);
