/**
 * The real-stack scenarios (tests/pcsc-bridge/scenarios.ts) on the pcsc-lite + libccid stand-in,
 * with the three readers the QEMU guest will export (two PIN pads, one without): so that in the
 * guest only the desk changes (pyscard + libccid + USB/IP instead of the stand-in).
 */
import { describe, expect, it } from 'vitest';
import { noticeScenario, padRefusalScenario, removalScenario, sharingScenario, unplugScenario, type RealDesk } from '../pcsc-bridge/scenarios';
import { virtualReader } from '../support/readers';
import { createSmartCardResourceManager } from '../support/web-smart-card/api';
import { createSimPcsc } from '../support/web-smart-card/sim-backend';

async function simDesk(file: string, pinpad: boolean) {
  const virtual = virtualReader(file, pinpad ? { pinpad: true } : {});
  const sim = createSimPcsc();
  const readerName = await sim.attach(virtual);
  const manager = createSmartCardResourceManager(sim.backend);
  const watcher = await manager.establishContext();
  const desk: RealDesk = {
    manager,
    watcher,
    readerName,
    pinpad: virtual.pinpad,
    insert: (card) => virtual.insert(card),
    remove: () => virtual.remove(),
    unplug: () => sim.detach(readerName),
  };
  return desk;
}

describe.each([
  ['GemPCPinpad.txt', true],
  ['CardMan3821.txt', true],
  ['GemPCTwin.txt', false],
] as const)('the real-stack scenarios on the stand-in, %s', (file, pinpad) => {
  it('the notice, steps 1–8', async () => {
    const desk = await simDesk(file, pinpad);
    const { line, card } = await noticeScenario(desk);
    expect(line).toContain(`(${pinpad ? 'PIN pad' : 'screen keypad'})`);
    expect(card.ledger.map((t) => [t.ins, t.ok, t.triesLeftAfter])).toEqual([
      [0x2c, true, 5],
      [0x24, true, 5],
      [0x20, true, 5],
    ]);
  });

  it('removal and swap mid-operation', async () => {
    const desk = await simDesk(file, pinpad);
    expect(await removalScenario(desk)).toBe('removal mid-operation → -8, swap → -61, PIN tries spent 0');
  });

  it.runIf(pinpad)('cancel and timeout on the PIN pad', async () => {
    const desk = await simDesk(file, pinpad);
    expect(await padRefusalScenario(desk)).toContain('entry-cancelled (null), timeout → timeout (-54)');
  });

  it('another program holding the reader', async () => {
    const desk = await simDesk(file, pinpad);
    expect((await sharingScenario(desk)).line).toContain('PcscSharingViolationError');
  });

  it('the reader unplugged while the PIN is asked', async () => {
    const desk = await simDesk(file, pinpad);
    const result = await unplugScenario(desk);
    expect([result.code, result.ledger]).toEqual([-9, 'empty']);
  });
});
