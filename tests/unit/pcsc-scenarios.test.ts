/**
 * The real-stack scenarios (tests/pcsc-bridge/scenarios.ts) on the pcsc-lite + libccid stand-in,
 * with the three readers the QEMU guest will export (two PIN pads, one without): so that in the
 * guest only the desk changes (pyscard + libccid + USB/IP instead of the stand-in).
 */
import { describe, expect, it } from 'vitest';
import { noticeScenario, removalScenario, sharingScenario, type RealDesk } from '../pcsc-bridge/scenarios';
import { virtualReader } from '../support/readers';
import { createSmartCardResourceManager } from '../support/web-smart-card/api';
import { createSimPcsc } from '../support/web-smart-card/sim-backend';

async function simDesk(file: string, pinpad: boolean) {
  const virtual = virtualReader(file, pinpad ? { pinpad: true } : {});
  const sim = createSimPcsc();
  const readerName = await sim.attach(virtual);
  const manager = createSmartCardResourceManager(sim.backend);
  const watcher = await manager.establishContext();
  const desk: RealDesk = { manager, watcher, readerName, pinpad: virtual.pinpad, insert: (card) => virtual.insert(card), remove: () => virtual.remove() };
  return desk;
}

describe.each([
  ['GemPCPinpad.txt', true],
  ['CardMan3821.txt', true],
  ['GemPCTwin.txt', false],
] as const)('the real-stack scenarios on the stand-in, %s', (file, pinpad) => {
  it('the notice, steps 1–8', async () => {
    const desk = await simDesk(file, pinpad);
    expect(await noticeScenario(desk)).toContain(`(${pinpad ? 'PIN pad' : 'screen keypad'})`);
  });

  it('removal and swap mid-operation', async () => {
    const desk = await simDesk(file, pinpad);
    expect(await removalScenario(desk)).toBe('removal mid-operation → -8, swap → -61, PIN tries spent 0');
  });

  it('another program holding the reader', async () => {
    const desk = await simDesk(file, pinpad);
    expect(await sharingScenario(desk)).toContain('PcscSharingViolationError');
  });
});
