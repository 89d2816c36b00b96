/**
 * The stand-in navigator.smartCard follows the WICG spec's rules (index.bs), so that code passing
 * here meets the same rules in Chrome: one operation per context, abort and timeout of
 * getStatusChange, the SmartCardError response codes, the event count, transactions.
 */
import { describe, it, expect } from 'vitest';
import { PNP_NOTIFICATION, type SmartCardContext } from '../../src/pcsc';
import { createVirtualEcard } from '../../src/sim';
import { virtualReader } from '../support/readers';
import { createSmartCardResourceManager } from '../support/web-smart-card/api';
import { createSimPcsc } from '../support/web-smart-card/sim-backend';

async function stack(options: { card?: boolean } = {}) {
  const virtual = virtualReader('CardMan3821.txt', { pinpad: true });
  if (options.card !== false) virtual.insert(createVirtualEcard({ state: 'active' }));
  const sim = createSimPcsc();
  const name = await sim.attach(virtual);
  const manager = createSmartCardResourceManager(sim.backend);
  return { virtual, sim, name, manager, context: await manager.establishContext() };
}

const rejection = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as { name: string; responseCode?: string });

describe('SmartCardContext (§SmartCardContext)', () => {
  it('names readers as pcsc-lite + libccid do', async () => {
    const { context } = await stack();
    // "<manufacturer> <product> (<serial>) <reader index> <slot>"
    expect(await context.listReaders()).toEqual(['eCard PIN Smart Card Reader USB (VIRTUAL-0001) 00 00']);
  });

  it('rejects a second operation while one runs: InvalidStateError, on the context and its connections', async () => {
    const { context, name } = await stack();
    const { connection } = await context.connect(name, 'shared', { preferredProtocols: ['t1'] });
    const waiting = context.getStatusChange([{ readerName: name, currentState: { present: true, inuse: true } }]);
    expect(await rejection(context.listReaders())).toMatchObject({ name: 'InvalidStateError' });
    expect(await rejection(connection.transmit(Uint8Array.of(0, 0xa4, 0, 0)))).toMatchObject({ name: 'InvalidStateError' });
    expect(await rejection(context.connect(name, 'shared', { preferredProtocols: ['t1'] }))).toMatchObject({ name: 'InvalidStateError' });
    void waiting.catch(() => undefined);
  });

  it('getStatusChange: unaware answers at once with the count; an abort rejects with its reason', async () => {
    const { context, name, virtual } = await stack();
    const [first] = await context.getStatusChange([{ readerName: name, currentState: { unaware: true } }]);
    expect(first).toMatchObject({ readerName: name, eventState: { present: true, changed: true, empty: false }, eventCount: 0 });
    expect(new Uint8Array(first?.answerToReset ?? new ArrayBuffer(0)).length).toBeGreaterThan(0);
    const abort = new AbortController();
    const waiting = context.getStatusChange([{ readerName: name, currentState: { present: true }, currentCount: 0 }], { signal: abort.signal });
    const reason = new Error('stop');
    abort.abort(reason);
    expect(await rejection(waiting)).toBe(reason);
    // The context is free again afterwards.
    const change = context.getStatusChange([{ readerName: name, currentState: { present: true }, currentCount: 0 }]);
    virtual.remove();
    const [removed] = await change;
    expect(removed).toMatchObject({ eventState: { empty: true, changed: true }, eventCount: 1 });
  });

  it('getStatusChange: an already aborted signal rejects at once; a timeout is an "UnknownError" (SCARD_E_TIMEOUT is not listed)', async () => {
    const { context, name } = await stack();
    expect(await rejection(context.getStatusChange([{ readerName: name, currentState: {} }], { signal: AbortSignal.abort('no') }))).toBe('no');
    expect(await rejection(context.getStatusChange([{ readerName: name, currentState: { present: true }, currentCount: 0 }], { timeout: 10 }))).toMatchObject({
      name: 'UnknownError',
    });
  });

  it('getStatusChange on an unknown reader: SmartCardError "unknown-reader"', async () => {
    const { context } = await stack();
    expect(await rejection(context.getStatusChange([{ readerName: 'nobody 00 00', currentState: {} }]))).toMatchObject({ name: 'SmartCardError', responseCode: 'unknown-reader' });
  });

  it('the PnP pseudo-reader wakes when a reader is plugged in', async () => {
    const { context, sim } = await stack();
    const waiting = context.getStatusChange([{ readerName: PNP_NOTIFICATION, currentState: {} }]);
    await sim.attach(virtualReader('GemPCTwin.txt'));
    const [pnp] = await waiting;
    expect(pnp?.eventState.changed).toBe(true);
    expect(await context.listReaders()).toHaveLength(2);
  });

  it('connect without a card: "no-smartcard"; against an exclusive holder: "sharing-violation"', async () => {
    const empty = await stack({ card: false });
    expect(await rejection(empty.context.connect(empty.name, 'shared', { preferredProtocols: ['t1', 't0'] }))).toMatchObject({ responseCode: 'no-smartcard' });
    const { context, name, sim } = await stack();
    const release = await sim.holdExclusive(name);
    expect(await rejection(context.connect(name, 'shared', { preferredProtocols: ['t1'] }))).toMatchObject({ name: 'SmartCardError', responseCode: 'sharing-violation' });
    release();
    const { activeProtocol } = await context.connect(name, 'shared', { preferredProtocols: ['t1', 't0'] });
    expect(activeProtocol).toBe('t1');
  });

  it('a connection whose card left answers "removed-card"; once pcscd dropped an unplugged reader, "reader-unavailable"', async () => {
    const { context, name, virtual, sim } = await stack();
    const { connection } = await context.connect(name, 'shared', { preferredProtocols: ['t1'] });
    virtual.remove();
    await new Promise((r) => setTimeout(r, 10));
    expect(await rejection(connection.transmit(Uint8Array.of(0, 0xa4, 0, 0)))).toMatchObject({ responseCode: 'removed-card' });
    const [before] = await context.getStatusChange([{ readerName: name, currentState: { unaware: true } }]);
    sim.detach(name);
    expect(before?.eventState).toMatchObject({ empty: true, inuse: true });
    const [gone] = await context.getStatusChange([{ readerName: name, currentState: { empty: true, inuse: true }, currentCount: before?.eventCount ?? 0 }], { timeout: 1000 });
    expect(gone?.eventState).toMatchObject({ unknown: true, changed: true });
    expect(await rejection(connection.status())).toMatchObject({ responseCode: 'reader-unavailable' });
    // The daemon's own calls on such a handle: SCARD_E_INVALID_VALUE, which the spec's table leaves to "UnknownError".
    expect(await rejection(connection.transmit(Uint8Array.of(0, 0xa4, 0, 0)))).toMatchObject({ name: 'UnknownError' });
  });

  it('rejects bad arguments as the IDL does: TypeError for an unknown access mode or an out-of-range control code', async () => {
    const { context, name } = await stack();
    expect(await rejection(context.connect(name, 'sometimes' as never))).toBeInstanceOf(TypeError);
    const { connection } = await context.connect(name, 'shared', { preferredProtocols: ['t1'] });
    expect(await rejection(connection.control(-1, new Uint8Array(0)))).toBeInstanceOf(TypeError);
  });
});

describe('SmartCardConnection transactions (§startTransaction())', () => {
  it('holds the reader for the callback, then ends with its disposition', async () => {
    const { context, name } = await stack();
    const { connection } = await context.connect(name, 'shared', { preferredProtocols: ['t1'] });
    const other: SmartCardContext = context;
    let inside = '';
    await connection.startTransaction(async () => {
      inside = (await connection.status()).state;
      expect(await rejection(other.connect(name, 'shared', { preferredProtocols: ['t1'] }))).toMatchObject({ name: 'InvalidStateError' });
      return 'leave';
    });
    expect(inside).toBe('t1');
    expect(await connection.status()).toMatchObject({ state: 't1' });
  });

  it('a callback that throws rejects the transaction with its reason and resets the card', async () => {
    const { context, name } = await stack();
    const { connection } = await context.connect(name, 'shared', { preferredProtocols: ['t1'] });
    const reason = new Error('inside');
    expect(await rejection(connection.startTransaction(async () => Promise.reject(reason)))).toBe(reason);
    expect(await rejection(connection.transmit(Uint8Array.of(0, 0xa4, 0, 0)))).toMatchObject({ responseCode: 'reset-card' });
  });
});
