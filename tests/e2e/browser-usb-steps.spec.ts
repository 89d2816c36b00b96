/**
 * The browser-usb scenarios' own code (tests/browser-usb/notice.ts) run here against the injected
 * virtual reader, so the steps the QEMU guest will run over real WebUSB are known to match the
 * app's labels, test ids and PIN pad prompts. The DeviceSide is the injected reader's controls;
 * in the guest it is the virtual reader behind the USB/IP export, in the suite's own process
 * (reader-side.ts, guest-desk.ts).
 */
import { test, expect, type Page } from '@playwright/test';
import type { PinPadKey, PinPromptKind, PinTry, VirtualEcardOptions } from '../../src/sim';
import type { DeviceSide, ReaderInfo } from '../browser-usb/device-side';
import * as notice from '../browser-usb/notice';
import { withReader } from './desk';

/** REINER SCT cyberJack pinpad(a) 0C4B:0300: CCID on a vendor-class interface, with a PIN pad. */
const VENDOR_PINPAD = 'ReinerSCT.txt';
const CARDMAN_3821 = 'CardMan3821.txt';

function injectedDevice(page: Page, reader: ReaderInfo): DeviceSide {
  return {
    reader,
    insertEcard: (card: VirtualEcardOptions) => page.evaluate((c) => window.__e2e?.insertEcard(c), card),
    removeCard: () => page.evaluate(() => window.__e2e?.remove()),
    press: (keys: readonly PinPadKey[]) => page.evaluate((k) => window.__e2e?.press(k), keys),
    pinpadPrompt: () => page.evaluate(() => (window.__e2e?.pinpadPrompt() ?? null) as PinPromptKind | null),
    casUnblock: () => page.evaluate(() => window.__e2e?.casUnblock() as 'unblocked' | 'not-blocked'),
    ledger: () => page.evaluate(() => (window.__e2e?.ledger() ?? []) as PinTry[]),
    triesConsumed: () => page.evaluate(() => window.__e2e?.triesConsumed() ?? 0),
    hasPin: (pin: string) => page.evaluate((p) => window.__e2e?.hasPin(p) ?? false, pin),
    unplug: () => page.evaluate(() => window.__e2e?.unplug()),
    replug: () => page.evaluate(() => window.__e2e?.replug()),
  };
}

const reader = (file: string, interfaceClass: number): ReaderInfo => ({ id: file, name: file, vendorId: 0, productId: 0, interfaceClass, pinpad: true });

test('steps 1–8, then one wrong PIN, Cancel and the last try, as notice.ts does them (vendor-class PIN pad)', async ({ page }) => {
  test.setTimeout(60_000);
  await withReader(page, VENDOR_PINPAD, { pinpad: true, ecard: { state: 'blocked' }, granted: true });
  await page.goto('/');
  const device = injectedDevice(page, reader(VENDOR_PINPAD, 0xff));
  // notice.ts checks the browser's own navigator.usb: here it is the injected one, so only the text.
  await expect(notice.firstScreen(page)).rejects.toThrow('not the browser’s own WebUSB');
  await notice.readerListed(page);
  const result = await notice.noticeSteps1to8(page, device, '4821');
  expect(result.triesConsumed).toBe(0);
  expect(result.ledger.map((t) => t.ok)).toEqual([true, true]);
  expect(await notice.wrongPinCostsOneTry(page, device, '1111')).toEqual({ before: 5, after: 4 });
  expect(await notice.cancelCostsNothing(page, device)).toEqual({ triesLeft: 4 });
  await notice.lastTryAsksFirst(page, device, '7395');
});

test('the protected-class screen and its technical line, as notice.ts reads them (class 0x0B, page)', async ({ page }) => {
  await withReader(page, CARDMAN_3821, { policy: { protectedClass: true }, granted: true });
  await page.goto('/');
  const { technical } = await notice.protectedClassScreen(page, 'web-page');
  expect(technical).toMatch(/^ProtectedClassError: claimInterface/);
});

test('unplugged during Schimbă PIN eCard and plugged back, as notice.ts does it', async ({ page }) => {
  test.setTimeout(60_000);
  await withReader(page, CARDMAN_3821, { pinpad: true, ecard: { state: 'active', pin: '2468' }, granted: true });
  await page.goto('/');
  const device = injectedDevice(page, reader(CARDMAN_3821, 0x0b));
  await notice.readerListed(page);
  await notice.openPatients(page);
  const result = await notice.unplugDuringChange(page, device, '2468', '1357');
  expect(result.pinAfter).toBe('unchanged');
  expect(result.triesLeftShown).toBe(5);
});
