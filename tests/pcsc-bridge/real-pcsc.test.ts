/**
 * src/pcsc and the flows against real pcsc-lite (Debian's pcscd 1.9.9) through python3-pyscard,
 * with vpcd's reader holding our virtual eCard. Run by `npm run test:pcsc` (run.mjs starts pcscd
 * and sets ECARD_PCSC_REAL); elsewhere the suite says it is skipped and why.
 *
 * vpcd has no PIN pad (SCardControl answers SCARD_E_UNSUPPORTED_FEATURE), so PINs come from the
 * screen keypad here; libccid's PIN pad path is proven in the QEMU guest (phase 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/card';
import { changePin, checkCard, pinpadSource, resetPin, screenSource, verifyPin, type FlowContext } from '../../src/flows';
import { PcscSharingViolationError, type SmartCardContext, type SmartCardResourceManager } from '../../src/pcsc';
import { CM_IOCTL_GET_FEATURE_REQUEST } from '../../src/pcsc/features';
import { PcscSlot } from '../../src/pcsc/transport';
import { createCasConsole, createVirtualEcard, type VirtualEcard } from '../../src/sim';
import { createSmartCardResourceManager } from '../support/web-smart-card/api';
import { startPyscardBridge, type PyscardBridge } from './pyscard-backend';
import { vpcdCard, type VpcdCard } from './vpcd-card';

const real = process.env.ECARD_PCSC_REAL === '1';
const READER = 'Virtual PCD 00 00';
const EMPTY_READER = 'Virtual PCD 00 01';
if (!real) console.log('pcsc-bridge: skipped — needs a pcscd with vpcd; `npm run test:pcsc` starts one (root, pcscd, python3-pyscard, vsmartcard-vpcd)');

const rejection = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as { name: string; responseCode?: string });
const summary = (o: Outcome) => ({ kind: o.kind, code: o.code, triesLeft: o.triesLeft });

describe.skipIf(!real)('real pcsc-lite through pyscard', () => {
  let bridge: PyscardBridge;
  let manager: SmartCardResourceManager;
  let vpcd: VpcdCard;
  let watcher: SmartCardContext;

  /** Waits until pcscd reports the card in (true) or out (false). */
  async function cardIs(present: boolean): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const [state] = await watcher.getStatusChange([{ readerName: READER, currentState: { unaware: true } }]);
      if (state?.eventState.present === present) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`pcscd never saw the card ${present ? 'in' : 'out'}`);
  }

  async function insert(card: VirtualEcard): Promise<void> {
    await vpcd.insert(card);
    await cardIs(true);
  }

  beforeAll(async () => {
    bridge = startPyscardBridge();
    manager = createSmartCardResourceManager(bridge.backend);
    vpcd = vpcdCard(Number(process.env.VPCD_PORT));
    watcher = await manager.establishContext();
  });

  afterAll(async () => {
    vpcd?.remove();
    await bridge?.close();
  });

  it('the API stand-in keeps the spec rules on real pcsc-lite', async () => {
    await insert(createVirtualEcard({ state: 'active' }));
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
    vpcd.remove();
    await cardIs(false);
  });

  it('the notice, steps 1–8, through src/flows on real pcsc-lite (screen keypad: vpcd has no PIN pad)', async () => {
    const card = createVirtualEcard({ state: 'blocked' });
    await insert(card);
    const cas = createCasConsole(card);
    const slot = await PcscSlot.open(await manager.establishContext(), READER);
    expect(slot.pinpad).toBe(false);
    const typed: string[] = [];
    const screen = screenSource(async () => typed.shift() ?? null);
    const ctx = (more: Partial<FlowContext> = {}): FlowContext => ({ slot, pins: slot.pinpad ? pinpadSource(screen) : screen, confirmLastTry: async () => true, ...more });
    const started = Date.now();
    expect(summary(await checkCard(ctx()))).toMatchObject({ kind: 'blocked', code: -15 });
    cas.unblock();
    typed.push('0000');
    expect((await resetPin(ctx({ authority: cas }))).kind).toBe('ok');
    typed.push('0000', '4821', '4821');
    expect((await changePin(ctx())).kind).toBe('ok');
    typed.push('4821');
    expect((await verifyPin(ctx())).kind).toBe('ok');
    expect(card.hasPin('4821')).toBe(true);
    expect(card.triesConsumed()).toBe(0);
    console.log(
      `pcsc-bridge: notice over real pcsc-lite in ${Date.now() - started} ms; card ledger: ${card.ledger.map((t) => `INS ${t.ins.toString(16)} ${t.ok ? 'ok' : 'wrong'} (${t.triesLeftAfter} left)`).join(', ')}; tries consumed ${card.triesConsumed()}`,
    );
    await slot.close();
    vpcd.remove();
    await cardIs(false);
  });

  it('removal while the screen keypad asks: -8; a swap: -61; the PIN never reaches a card', async () => {
    const first = createVirtualEcard({ state: 'active', pin: '1234' });
    await insert(first);
    const slot = await PcscSlot.open(await manager.establishContext(), READER);
    const removed = await verifyPin({
      slot,
      confirmLastTry: async () => true,
      pins: screenSource(async () => {
        vpcd.remove();
        await cardIs(false);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return '1234';
      }),
    });
    expect(summary(removed)).toMatchObject({ kind: 'no-card', code: -8 });
    expect(first.ledger).toEqual([]);

    await insert(first);
    const second = createVirtualEcard({ state: 'active', pin: '1234' });
    const swapped = await verifyPin({
      slot,
      confirmLastTry: async () => true,
      pins: screenSource(async () => {
        vpcd.remove();
        await cardIs(false);
        await insert(second);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return '1234';
      }),
    });
    expect(summary(swapped)).toMatchObject({ kind: 'card-swapped', code: -61 });
    expect(first.ledger).toEqual([]);
    expect(second.ledger).toEqual([]);
    console.log(`pcsc-bridge: removal mid-operation → ${removed.code}, swap → ${swapped.code}, PIN tries spent 0`);
    await slot.close();
    vpcd.remove();
    await cardIs(false);
  });

  it('another application holding the reader exclusively: a sharing violation; ours keeps others out', async () => {
    await insert(createVirtualEcard({ state: 'active' }));
    const other = await manager.establishContext();
    const held = await other.connect(READER, 'exclusive', { preferredProtocols: ['t1', 't0'] });
    const slot = await PcscSlot.open(await manager.establishContext(), READER);
    const ctx: FlowContext = { slot, pins: screenSource(async () => null), confirmLastTry: async () => false };
    const refused = await rejection(checkCard(ctx));
    expect(refused).toBeInstanceOf(PcscSharingViolationError);
    await held.connection.disconnect('leave');
    expect((await checkCard(ctx)).kind).toBe('tries-left');
    expect(await rejection(other.connect(READER, 'shared', { preferredProtocols: ['t1', 't0'] }))).toMatchObject({ responseCode: 'sharing-violation' });
    console.log(`pcsc-bridge: another program holding the reader → ${(refused as Error).name} (${(refused as PcscSharingViolationError).failure})`);
    await slot.close();
    vpcd.remove();
    await cardIs(false);
  });
});
