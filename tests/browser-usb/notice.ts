/**
 * The notice's procedure (../shared/seed/notice-en.md) and the platform screens, done through the
 * real app's Romanian labels in a real page whose navigator.usb is Chromium's own. The reader's
 * side (PIN pad keys, the CAS, the card's ledger, the cable) goes through a DeviceSide.
 * Every check polls the page like a person looking at it; nothing reads the app's state directly.
 */
import type { Locator, Page } from 'playwright-core';
import { ro } from '../../src/ui/i18n/ro';
import type { PinTry } from '../../src/sim';
import { cancelAtNextPrompt, nextPrompt, typeAtNextPrompt, type DeviceSide } from './device-side';

/** Takes a picture of the screen as it is now (the suite's --screenshots), under this name. */
export type Shot = (name: string) => Promise<void>;
const noShot: Shot = async () => undefined;

export class ScreenError extends Error {
  override readonly name = 'ScreenError';
}

const RESET_PIN = '0000'; // the notice, step 3
const ECARD_TRIES = 5; // ../shared/docs/ecard.md: 5 wrong PINs block the card
const NO_TRY_SPENT = 'Nu s-a consumat nicio încercare.';
const UNANSWERED = 'nu se știe dacă operația s-a făcut';

/** Waits until `locator`'s text contains `expected` (a person reading the screen), else fails. */
export async function see(locator: Locator, expected: string, timeoutMs = 30_000): Promise<void> {
  const started = performance.now();
  let last = '';
  while (performance.now() - started < timeoutMs) {
    last = (await locator.first().textContent({ timeout: 1_000 }).catch(() => null)) ?? '';
    if (last.includes(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new ScreenError(`expected “${expected}” within ${timeoutMs} ms, the screen shows “${last.trim().slice(0, 300)}”`);
}

const button = (scope: Page | Locator, name: string) => scope.getByRole('button', { name, exact: true });

async function enabled(locator: Locator, timeoutMs = 30_000): Promise<void> {
  const started = performance.now();
  while (!(await locator.isEnabled().catch(() => false))) {
    if (performance.now() - started > timeoutMs) throw new ScreenError(`${String(locator)} stayed disabled for ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The first screen: title, menu, readers section; and navigator.usb is Chromium's own. */
export async function firstScreen(page: Page): Promise<{ nativeWebUsb: boolean }> {
  await see(page.locator('h1'), ro.appTitle);
  await see(page.locator('#readers-heading'), ro.readersHeading);
  await button(page, ro.menuFile).waitFor();
  const nativeWebUsb = await page.evaluate(
    () => 'usb' in navigator && Object.getPrototypeOf(navigator.usb) === USB.prototype && /\[native code\]/.test(String(USB.prototype.getDevices)),
  );
  if (!nativeWebUsb) throw new ScreenError('navigator.usb is not the browser’s own WebUSB');
  return { nativeWebUsb };
}

/** Smoke test where no reader is plugged in: the page says so and WebUSB lists nothing. */
export async function noReaderYet(page: Page): Promise<{ devices: number }> {
  await see(page.locator('main'), ro.noReaders);
  const devices = await page.evaluate(async () => (await navigator.usb.getDevices()).length);
  if (devices !== 0) throw new ScreenError(`getDevices() lists ${devices} device(s) on a machine without USB readers`);
  if ((await page.getByTestId('error').count()) > 0) throw new ScreenError(`an error is shown: ${await page.getByTestId('error').first().textContent()}`);
  return { devices };
}

/** A reader the policy allowed is picked up at load (getDevices), without Chrome's chooser. */
export async function readerListed(page: Page, name?: string): Promise<Locator> {
  const reader = page.getByTestId('reader').first();
  await reader.waitFor({ timeout: 30_000 });
  if (name) await see(reader.getByTestId('reader-name'), name);
  return reader;
}

/** Step 2 of the notice: Fișier → Pacienți. */
export async function openPatients(page: Page): Promise<Locator> {
  await button(page, ro.menuFile).click();
  await button(page, ro.menuPatients).click();
  return page.getByTestId('patients');
}

/** The technical line of an error note ("Detalii tehnice"): class name and message. */
export async function technicalLine(note: Locator): Promise<string> {
  await note.getByText(ro.technicalDetails, { exact: true }).click();
  return ((await note.locator('code').textContent()) ?? '').trim();
}

/** A class-0x0B reader in a place where Chrome protects it: the page explains, in words fit for where it runs. */
export async function protectedClassScreen(page: Page, place: 'web-page' | 'isolated-app' | 'isolated-app-unrestricted'): Promise<{ technical: string }> {
  const text = { 'web-page': ro.errProtectedClass, 'isolated-app': ro.errProtectedClassIsolatedApp, 'isolated-app-unrestricted': ro.errProtectedClassRefused }[place];
  const reader = await readerListed(page);
  const note = reader.getByTestId('error');
  await see(note, text);
  const technical = await technicalLine(note);
  if (!technical.startsWith('ProtectedClassError: ')) throw new ScreenError(`the technical line does not name the error: “${technical}”`);
  return { technical };
}

export interface NoticeResult {
  readonly newPin: string;
  readonly ledger: readonly PinTry[];
  readonly triesConsumed: number;
  readonly stepsMs: Readonly<Record<string, number>>;
}

async function timed(steps: Record<string, number>, step: string, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await work();
  steps[step] = Math.round(performance.now() - started);
}

/**
 * Steps 1–8 on a PIN-pad reader with a blocked eCard in it: -15 and the CID guidance, the CAS
 * unblocks (device side), Reset PIN eCard with 0000 on the PIN pad, Schimbă PIN eCard 0000 / new /
 * new, success; then the card itself must hold the new PIN and have counted no wrong try.
 */
export async function noticeSteps1to8(page: Page, device: DeviceSide, newPin: string, shot: Shot = noShot): Promise<NoticeResult> {
  const steps: Record<string, number> = {};
  const patients = await openPatients(page);
  await timed(steps, '1 blocked card: -15, CID', async () => {
    await see(patients.getByTestId('card-state'), ro.statusBlocked);
    await see(patients.getByTestId('outcome-code'), '-15');
    await see(patients.getByTestId('cas-needs'), 'CID');
    if (await button(patients, ro.actChange).isEnabled()) throw new ScreenError('Schimbă PIN eCard is offered on a blocked card');
    await shot('blocked');
  });
  await timed(steps, 'CAS unblocks', async () => {
    const result = await device.casUnblock();
    if (result !== 'unblocked') throw new ScreenError(`the CAS console answered ${result}`);
  });
  await timed(steps, '2–3 Reset PIN eCard, 0000 on the PIN pad', async () => {
    await button(patients, ro.actReset).click();
    await see(patients.getByTestId('pinpad-entry'), ro.enterOnTerminal);
    await nextPrompt(device, 30_000);
    await shot('pinpad-entry');
    await typeAtNextPrompt(device, RESET_PIN);
    await see(patients.getByTestId('card-state'), ro.statusActive);
    if (!(await device.hasPin(RESET_PIN))) throw new ScreenError('after the reset the card’s PIN is not 0000');
  });
  await timed(steps, '4–8 Schimbă PIN eCard: 0000, new, new', async () => {
    await enabled(button(patients, ro.actChange));
    await button(patients, ro.actChange).click();
    await see(patients.getByTestId('pinpad-entry'), ro.enterOnTerminal);
    const prompts = [await typeAtNextPrompt(device, RESET_PIN), await typeAtNextPrompt(device, newPin), await typeAtNextPrompt(device, newPin)];
    if (prompts.join(' ') !== 'current new confirm') throw new ScreenError(`the PIN pad asked ${prompts.join(', ')}`);
    await see(patients.getByTestId('outcome-done'), ro.doneChange);
    await shot('pin-changed');
  });
  const ledger = await device.ledger();
  const triesConsumed = await device.triesConsumed();
  if (!(await device.hasPin(newPin))) throw new ScreenError('the card does not hold the new PIN');
  if (triesConsumed !== 0) throw new ScreenError(`the card counted ${triesConsumed} wrong tries: ${JSON.stringify(ledger)}`);
  return { newPin, ledger, triesConsumed, stepsMs: steps };
}

/** Verifică PIN with a wrong PIN: the card counts exactly one try and the page shows one less. */
export async function wrongPinCostsOneTry(page: Page, device: DeviceSide, wrongPin: string): Promise<{ before: number; after: number }> {
  const patients = page.getByTestId('patients');
  const before = Number(await patients.getByTestId('tries-left').textContent());
  const ledgerBefore = (await device.ledger()).length;
  await enabled(button(patients, ro.actVerify));
  await button(patients, ro.actVerify).click();
  await typeAtNextPrompt(device, wrongPin);
  await see(patients.getByTestId('tries-left'), String(before - 1));
  const added = (await device.ledger()).slice(ledgerBefore);
  if (added.length !== 1 || added[0]?.ok !== false) throw new ScreenError(`the card's ledger gained ${JSON.stringify(added)}, not one wrong try`);
  return { before, after: before - 1 };
}

/** Cancel on the PIN pad: the page says no try was spent, and the card counted nothing. */
export async function cancelCostsNothing(page: Page, device: DeviceSide): Promise<{ triesLeft: number }> {
  const patients = page.getByTestId('patients');
  const triesLeft = Number(await patients.getByTestId('tries-left').textContent());
  const ledgerBefore = (await device.ledger()).length;
  await enabled(button(patients, ro.actVerify));
  await button(patients, ro.actVerify).click();
  await cancelAtNextPrompt(device);
  // The outcome (src/card/outcome-text.ts) says the entry was cancelled and cost no try.
  await see(patients.getByTestId('outcome-message'), NO_TRY_SPENT);
  await see(patients.getByTestId('tries-left'), String(triesLeft));
  if ((await device.ledger()).length !== ledgerBefore) throw new ScreenError('Cancel on the PIN pad reached the card');
  return { triesLeft };
}

/** A card with one try left: the page asks first; "Renunță" sends nothing to the reader. */
export async function lastTryAsksFirst(page: Page, device: DeviceSide, pin: string, shot: Shot = noShot): Promise<void> {
  await device.insertEcard({ state: 'active', pin, triesLeft: 1 });
  const patients = page.getByTestId('patients');
  await see(patients.getByTestId('tries-left'), '1');
  await enabled(button(patients, ro.actVerify));
  await button(patients, ro.actVerify).click();
  const dialog = page.getByRole('dialog', { name: ro.lastTryTitle });
  await dialog.waitFor();
  await shot('last-try');
  await button(dialog, ro.lastTryStop).click();
  await see(patients.getByTestId('tries-left'), '1');
  if ((await device.pinpadPrompt()) !== null) throw new ScreenError('the PIN pad was asked for a PIN after “Renunță”');
  if ((await device.ledger()).length !== 0) throw new ScreenError('the card counted a try after “Renunță”');
}

export interface UnplugResult {
  /** What the card holds after the cable was pulled in the middle of Schimbă PIN eCard. */
  readonly pinAfter: 'unchanged' | 'changed';
  readonly triesLeftShown: number;
  /** From replug to the card being checked again on the page, ms. */
  readonly recheckMs: number;
}

/** When the cable is pulled during Schimbă PIN eCard. */
export type UnplugMoment = 'pinpad-waits-for-new-pin' | 'after-the-card-command';

/**
 * The reader, holding an active card with `currentPin`, unplugged during Schimbă PIN eCard — while
 * the PIN pad waits for the new PIN, or right after the card counted the CHANGE (its answer never
 * reaches the page): -9, the PIN either the old or the new one (the ledger says which); plugged
 * back: found again without a reload (the `connect` event), the card checked, the tries the page
 * shows are the card's.
 */
export async function unplugDuringChange(
  page: Page,
  device: DeviceSide,
  currentPin: string,
  newPin: string,
  moment: UnplugMoment = 'pinpad-waits-for-new-pin',
  shot: Shot = noShot,
): Promise<UnplugResult> {
  const patients = page.getByTestId('patients');
  await see(patients.getByTestId('tries-left'), String(ECARD_TRIES));
  await enabled(button(patients, ro.actChange));
  await button(patients, ro.actChange).click();
  await typeAtNextPrompt(device, currentPin);
  await nextPrompt(device, 30_000, 'new');
  if (moment === 'after-the-card-command') {
    if (!device.unplugAfterNextPinCommand) throw new ScreenError('this reader side cannot pull the cable after a card command');
    device.unplugAfterNextPinCommand();
    await typeAtNextPrompt(device, newPin);
    await typeAtNextPrompt(device, newPin);
  } else {
    await device.unplug();
  }
  await see(page.getByTestId('error'), ro.errDisconnected);
  await see(patients.getByTestId('reader-outcome'), '-9');
  // The page cannot know whether the card got the command, and says how to find out.
  await see(patients.getByTestId('outcome-unanswered'), UNANSWERED);
  await shot('unplugged');
  const old = await device.hasPin(currentPin);
  const changed = await device.hasPin(newPin);
  if (old === changed) throw new ScreenError(`after the unplug the card holds ${old ? 'both' : 'neither'} PIN`);
  // Before the card command nothing reached the card; after it, the card changed its PIN whole.
  const expected = moment === 'after-the-card-command' ? 'changed' : 'unchanged';
  if ((changed ? 'changed' : 'unchanged') !== expected) throw new ScreenError(`the card's PIN is ${changed ? 'the new one' : 'the old one'}: ${JSON.stringify(await device.ledger())}`);
  const replugged = performance.now();
  await device.replug();
  await readerListed(page);
  await see(patients.getByTestId('card-state'), ro.statusActive);
  const recheckMs = performance.now() - replugged;
  if (await page.getByText(ro.errDisconnected).isVisible()) throw new ScreenError('the reader is back, yet the page still says it was unplugged');
  // Back with its card, the tries are read again; which PIN is valid is still not known: the note stays.
  await see(patients.getByTestId('outcome-unanswered'), UNANSWERED);
  await shot('replugged');
  const shown = Number(await patients.getByTestId('tries-left').textContent());
  const left = (await device.ledger()).at(-1)?.triesLeftAfter ?? ECARD_TRIES;
  if (shown !== left) throw new ScreenError(`the page shows ${shown} tries left, the card has ${left}`);
  return { pinAfter: changed ? 'changed' : 'unchanged', triesLeftShown: shown, recheckMs };
}
