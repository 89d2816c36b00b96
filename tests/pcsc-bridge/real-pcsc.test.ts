/**
 * src/pcsc and the flows against real pcsc-lite (Debian's pcscd 1.9.9) through python3-pyscard,
 * with vpcd's reader holding our virtual eCard. Run by `npm run test:pcsc` (run.mjs starts pcscd
 * and sets ECARD_PCSC_REAL); elsewhere the suite says it is skipped and why. The scenarios are
 * shared with the QEMU guest's suite (scenarios.ts).
 *
 * vpcd has no PIN pad (SCardControl answers SCARD_E_UNSUPPORTED_FEATURE), so PINs come from the
 * screen keypad here; libccid's PIN pad path is proven in the QEMU guest (guest-pcsc.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SmartCardContext, SmartCardResourceManager } from '../../src/pcsc';
import { CM_IOCTL_GET_FEATURE_REQUEST } from '../../src/pcsc/features';
import { createVirtualEcard } from '../../src/sim';
import { createSmartCardResourceManager } from '../support/web-smart-card/api';
import { startPyscardBridge, type PyscardBridge } from './pyscard-backend';
import { cardIs, noticeScenario, removalScenario, sharingScenario, type RealDesk } from './scenarios';
import { vpcdCard, type VpcdCard } from './vpcd-card';

const real = process.env.ECARD_PCSC_REAL === '1';
const READER = 'Virtual PCD 00 00';
const EMPTY_READER = 'Virtual PCD 00 01';
if (!real) console.log('pcsc-bridge: skipped — needs a pcscd with vpcd; `npm run test:pcsc` starts one (root, pcscd, python3-pyscard, vsmartcard-vpcd)');

const rejection = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as { name: string; responseCode?: string });

describe.skipIf(!real)('real pcsc-lite through pyscard', () => {
  let bridge: PyscardBridge;
  let manager: SmartCardResourceManager;
  let vpcd: VpcdCard;
  let watcher: SmartCardContext;
  let desk: RealDesk;

  beforeAll(async () => {
    bridge = startPyscardBridge();
    manager = createSmartCardResourceManager(bridge.backend);
    vpcd = vpcdCard(Number(process.env.VPCD_PORT));
    watcher = await manager.establishContext();
    // pcscd answers before vpcd's reader is up: wait for it.
    for (let i = 0; i < 100 && !(await watcher.listReaders()).includes(READER); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    desk = { manager, watcher, readerName: READER, pinpad: null, insert: (card) => vpcd.insert(card), remove: () => vpcd.remove() };
  });

  // A scenario that failed half-way leaves its card in: the next one must start with the reader empty.
  afterEach(async () => {
    vpcd.remove();
    await cardIs(watcher, READER, false);
  });

  afterAll(async () => {
    vpcd?.remove();
    await bridge?.close();
  });

  it('the API stand-in keeps the spec rules on real pcsc-lite', async () => {
    await desk.insert(createVirtualEcard({ state: 'active' }));
    await cardIs(watcher, READER, true);
    const context = await manager.establishContext();
    expect(await context.listReaders()).toEqual([READER, EMPTY_READER]);
    const [state] = await context.getStatusChange([{ readerName: READER, currentState: { unaware: true } }]);
    expect(state).toMatchObject({ readerName: READER, eventState: { present: true, changed: true } });
    expect(state?.eventCount).toBeGreaterThan(0);
    expect(Array.from(new Uint8Array(state?.answerToReset ?? new ArrayBuffer(0)), (b) => b.toString(16).padStart(2, '0')).join(' ')).toBe('3b f0 13 00 00 81 31 fe 45 e8');
    // One operation at a time per context.
    const abort = new AbortController();
    const waiting = context.getStatusChange([{ readerName: READER, currentState: { present: true }, currentCount: state?.eventCount ?? 0 }], { signal: abort.signal });
    expect(await rejection(context.listReaders())).toMatchObject({ name: 'InvalidStateError' });
    const reason = new Error('stop');
    const started = Date.now();
    abort.abort(reason);
    expect(await rejection(waiting)).toBe(reason);
    const cancelMs = Date.now() - started;
    expect(cancelMs).toBeLessThan(2000);
    // No change in time: SCARD_E_TIMEOUT, an "UnknownError" by the spec's table.
    expect(await rejection(context.getStatusChange([{ readerName: READER, currentState: { present: true }, currentCount: state?.eventCount ?? 0 }], { timeout: 50 }))).toMatchObject({
      name: 'UnknownError',
    });
    expect(await rejection(context.getStatusChange([{ readerName: 'Nobody 00 00', currentState: {} }]))).toMatchObject({ name: 'SmartCardError', responseCode: 'unknown-reader' });
    expect(await rejection(context.connect(EMPTY_READER, 'shared', { preferredProtocols: ['t1', 't0'] }))).toMatchObject({ responseCode: 'no-smartcard' });
    const { connection, activeProtocol } = await context.connect(READER, 'shared', { preferredProtocols: ['t1', 't0'] });
    expect(activeProtocol).toBe('t1');
    expect(await connection.status()).toMatchObject({ readerName: READER });
    // vpcd has no part 10 features: the feature request is refused as unsupported.
    expect(await rejection(connection.control(CM_IOCTL_GET_FEATURE_REQUEST, new Uint8Array(0)))).toMatchObject({ responseCode: 'unsupported-feature' });
    await connection.disconnect('reset');
    console.log(`pcsc-bridge: cancel of a waiting getStatusChange took ${cancelMs} ms`);
    await desk.remove();
    await cardIs(watcher, READER, false);
  });

  it('the notice, steps 1–8, through src/flows on real pcsc-lite (screen keypad: vpcd has no PIN pad)', async () => {
    console.log(`pcsc-bridge: ${(await noticeScenario(desk)).line}`);
  });

  it('removal while the screen keypad asks: -8; a swap: -61; the PIN never reaches a card', async () => {
    console.log(`pcsc-bridge: ${await removalScenario(desk)}`);
  });

  it('another application holding the reader exclusively: a sharing violation; ours keeps others out', async () => {
    console.log(`pcsc-bridge: ${(await sharingScenario(desk)).line}`);
  });
});
