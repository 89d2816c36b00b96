import { test, expect, type Page } from '@playwright/test';
import { withReader } from './desk';

const PINPAD_READER = 'CardMan3821.txt';
const SCREEN_READER = 'GemPCTwin.txt';

/** Connect the reader and open Fișier → Pacienți, as the notice says. */
async function openPatients(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await page.getByRole('button', { name: 'Fișier' }).click();
  await page.getByRole('button', { name: 'Pacienți' }).click();
  return page.getByTestId('patients');
}

/** Types `digits` on the on-screen keypad and presses OK. */
async function typeOnScreen(page: Page, digits: string) {
  const keypad = page.getByTestId('screen-keypad');
  for (const d of digits) await keypad.getByRole('button', { name: d, exact: true }).click();
  await keypad.getByRole('button', { name: 'OK' }).click();
}

test('the notice, steps 1–8, on a PIN-pad reader: blocked → CAS unblock → Reset PIN eCard 0000 → Schimbă PIN eCard', async ({ page }) => {
  await withReader(page, PINPAD_READER, { pinpad: true, ecard: { state: 'blocked' } });
  const patients = await openPatients(page);
  // Step 1: the card is blocked: -15, the CAS needs the CID; only Reset makes sense.
  await expect(patients.getByTestId('card-state')).toHaveText('Blocat');
  await expect(patients.getByTestId('is-ecard')).toHaveText('da');
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  await expect(patients.getByTestId('cas-needs')).toContainText('CID');
  await expect(patients.getByTestId('cas-directory')).toContainText('0253 223 940');
  await expect(patients.getByRole('button', { name: 'Schimbă PIN eCard' })).toBeDisabled();
  await expect(patients.getByRole('button', { name: 'Verifică PIN' })).toBeDisabled();
  await expect(patients.getByRole('button', { name: 'Activează card' })).toBeDisabled();
  expect(await page.evaluate(() => window.__e2e?.casUnblock())).toBe('unblocked');
  // Steps 2–3: Reset PIN eCard; the terminal asks for the reset PIN, 0000 is typed on it.
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  const entry = patients.getByTestId('pinpad-entry');
  await expect(entry).toContainText('Introduceți PIN-ul pe terminal');
  await expect(entry).toContainText('PIN-ul de reset?');
  await expect(patients.getByTestId('countdown')).toContainText('Timp rămas: ');
  await expect(patients.getByTestId('card-busy')).toHaveText('Nu scoateți cardul');
  await page.evaluate(() => window.__e2e?.pressKeys('0000#'));
  await expect(patients.getByTestId('outcome')).toBeVisible();
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  expect(await page.evaluate(() => window.__e2e?.hasPin('0000'))).toBe(true);
  // Steps 4–8: Schimbă PIN eCard: current 0000, new, confirm.
  await page.evaluate(() => window.__e2e?.pinpadEnter('0000', '4821', '4821'));
  await patients.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  expect(await page.evaluate(() => window.__e2e?.hasPin('4821'))).toBe(true);
  expect(await page.evaluate(() => window.__e2e?.triesConsumed())).toBe(0);
});

test('the notice, steps 1–8, on a reader without PIN pad: the on-screen keypad, which keeps no digit', async ({ page }) => {
  await withReader(page, SCREEN_READER, { ecard: { state: 'blocked' } });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  await page.evaluate(() => window.__e2e?.casUnblock());
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  await expect(patients.getByTestId('keypad-prompt')).toHaveText('PIN-ul de reset?');
  await typeOnScreen(page, '0000');
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  await patients.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await expect(patients.getByTestId('keypad-prompt')).toHaveText('PIN actual?');
  await typeOnScreen(page, '0000');
  await expect(patients.getByTestId('keypad-prompt')).toHaveText('PIN nou?');
  await typeOnScreen(page, '4821');
  await expect(patients.getByTestId('keypad-prompt')).toHaveText('PIN confirmat?');
  await typeOnScreen(page, '4821');
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  await expect(page.getByTestId('screen-keypad')).toHaveCount(0);
  expect(await page.content()).not.toContain('4821');
  expect(await page.evaluate(() => window.__e2e?.hasPin('4821'))).toBe(true);
});

test('an invalid card: -17 and the card-number guidance, no operation offered', async ({ page }) => {
  await withReader(page, PINPAD_READER, { pinpad: true, ecard: { state: 'invalid' } });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('outcome-code')).toHaveText('-17');
  await expect(patients.getByTestId('cas-needs')).toContainText('numărul cardului');
  await expect(patients.getByTestId('card-state')).toHaveText('Invalid');
  for (const name of ['Verifică PIN', 'Reset PIN eCard', 'Schimbă PIN eCard', 'Activează card']) {
    await expect(patients.getByRole('button', { name })).toBeDisabled();
  }
});

test('the last try asks first; giving up spends nothing', async ({ page }) => {
  await withReader(page, PINPAD_READER, { pinpad: true, ecard: { state: 'active', triesLeft: 1 } });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('tries-left')).toHaveText('1');
  await patients.getByRole('button', { name: 'Verifică PIN' }).click();
  const dialog = page.getByRole('dialog', { name: 'Ultima încercare' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Renunță' }).click();
  await expect(patients.getByTestId('outcome')).toBeVisible();
  expect(await page.evaluate(() => window.__e2e?.pinpadPrompt())).toBeNull();
  expect(await page.evaluate(() => window.__e2e?.triesConsumed())).toBe(0);
  await expect(patients.getByTestId('tries-left')).toHaveText('1');
});

for (const eventDelayMs of [0, 600]) {
  test(`the reader unplugged during a change (the platform's disconnect ${eventDelayMs ? `${eventDelayMs} ms after the driver saw it` : 'at once'}): the PIN stays, the page says what to do`, async ({ page }) => {
    await withReader(page, PINPAD_READER, { pinpad: true, ecard: { state: 'active', pin: '1234' } });
    const patients = await openPatients(page);
    await expect(patients.getByTestId('card-state')).toHaveText('Activ');
    await patients.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
    await expect(patients.getByTestId('pinpad-entry')).toBeVisible();
    await page.evaluate((delay) => window.__e2e?.unplug(delay), eventDelayMs);
    // The reader leaves the list; the page still says it was unplugged and what to do.
    await expect(page.getByTestId('reader')).toHaveCount(0);
    await expect(page.getByTestId('error').first()).toContainText('Cititorul a fost deconectat');
    await expect(patients.getByTestId('reader-outcome')).toContainText('-9');
    // The PIN pad was asking: whether the card got the command is not known, and the page says how to find out.
    await expect(patients.getByTestId('outcome-unanswered')).toContainText('nu se știe dacă operația s-a făcut');
    expect(await page.evaluate(() => window.__e2e?.hasPin('1234'))).toBe(true);
  });
}

test('the card goes mute right after it counted a wrong PIN: the page says the link broke and shows the tries left', async ({ page }) => {
  await withReader(page, SCREEN_READER, { ecard: { state: 'active', pin: '7395' } });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('tries-left')).toHaveText('5');
  await patients.getByRole('button', { name: 'Verifică PIN' }).click();
  await expect(page.getByTestId('screen-keypad')).toBeVisible();
  await page.evaluate(() => window.__e2e?.muteCardAfterNextCommand());
  await typeOnScreen(page, '5151');
  // ISO/IEC 7816-3 §11.6: the T=1 recovery gives up; the PIN is not sent again.
  await expect(patients.getByTestId('error')).toContainText('Legătura cu cardul s-a întrerupt', { timeout: 20_000 });
  // The page powers the card again and shows what it counted.
  await expect(patients.getByTestId('tries-left')).toHaveText('4');
  expect(await page.evaluate(() => window.__e2e?.triesConsumed())).toBe(1);
});

test('switches to English: status, buttons, outcome and CAS guidance', async ({ page }) => {
  await withReader(page, PINPAD_READER, { pinpad: true, ecard: { state: 'blocked' } });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(patients.getByRole('heading', { name: 'Patients' })).toBeVisible();
  await expect(patients.getByTestId('card-state')).toHaveText('Blocked');
  await expect(patients.getByRole('button', { name: 'Reset eCard PIN' })).toBeEnabled();
  await expect(patients.getByTestId('cas-needs')).toContainText('The CAS needs the CID');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('patients').locator('xpath=ancestor::div[@lang]')).toHaveAttribute('lang', 'en');
});

/** Presses Tab until the focused element's accessible text is `name` (keyboard only, as a user would). */
async function tabTo(page: Page, name: string) {
  const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
  if ((await focused()) === name) return;
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if ((await focused()) === name) return;
  }
  throw new Error(`Tab never reached “${name}”`);
}

test('the whole procedure with the keyboard only (Tab, Enter, Space)', async ({ page }) => {
  await withReader(page, SCREEN_READER, { ecard: { state: 'blocked' } });
  await page.goto('/');
  await tabTo(page, 'Conectează cititorul');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('outcome-code')).toHaveText('-15');
  await page.evaluate(() => window.__e2e?.casUnblock());
  await tabTo(page, 'Reset PIN eCard');
  await page.keyboard.press('Space');
  await expect(page.getByTestId('keypad-prompt')).toHaveText('PIN-ul de reset?');
  const typeDigits = async (digits: string) => {
    for (const d of digits) {
      await tabTo(page, d);
      await page.keyboard.press('Enter');
    }
    await tabTo(page, 'OK');
    await page.keyboard.press('Enter');
  };
  await typeDigits('0000');
  await expect(page.getByTestId('card-state')).toHaveText('Activ');
  await tabTo(page, 'Schimbă PIN eCard');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('keypad-prompt')).toHaveText('PIN actual?');
  await typeDigits('0000');
  await expect(page.getByTestId('keypad-prompt')).toHaveText('PIN nou?');
  await typeDigits('2580');
  await expect(page.getByTestId('keypad-prompt')).toHaveText('PIN confirmat?');
  await typeDigits('2580');
  await expect(page.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  expect(await page.evaluate(() => window.__e2e?.hasPin('2580'))).toBe(true);
});

test('training mode: the whole notice with no hardware — virtual terminal, card picker, CAS console', async ({ page }) => {
  await page.addInitScript(() => {
    delete (Navigator.prototype as { usb?: unknown }).usb;
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Cititor de instruire' }).click();
  const training = page.getByTestId('training');
  await expect(training).toContainText('Mod instruire');
  const patients = page.getByTestId('patients');
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  await training.getByTestId('card-state-picker').selectOption('blocked');
  await training.getByRole('button', { name: 'Introdu un card nou' }).click();
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  // Reset before the CAS unblocked: -36, nothing typed.
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  await expect(patients.getByTestId('outcome-code')).toHaveText('-36');
  await training.getByRole('button', { name: 'Deblochează cardul' }).click();
  await expect(training.getByTestId('cas-said')).toContainText('CAS a deblocat cardul');
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  const lcd = training.getByTestId('terminal-lcd');
  await expect(lcd).toContainText('PIN-ul de reset?');
  const terminal = training.getByTestId('virtual-terminal');
  for (const d of '0000') await terminal.getByRole('button', { name: d, exact: true }).click();
  await expect(lcd).toContainText('****');
  await terminal.getByRole('button', { name: 'OK' }).click();
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  await patients.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  for (const [prompt, pin] of [['PIN actual?', '0000'], ['PIN nou?', '1357'], ['PIN confirmat?', '1357']] as const) {
    await expect(lcd).toContainText(prompt);
    for (const d of pin) await terminal.getByRole('button', { name: d, exact: true }).click();
    await terminal.getByRole('button', { name: 'OK' }).click();
  }
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  await expect(lcd).toHaveText('Terminal în așteptare');
});

test('kiosk (?kiosk=1): the outcome leaves the screen with the card', async ({ page }) => {
  await withReader(page, PINPAD_READER, { pinpad: true, ecard: { state: 'blocked' } });
  await page.goto('/?kiosk=1');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('outcome-code')).toHaveText('-15');
  await page.evaluate(() => window.__e2e?.remove());
  await expect(page.getByTestId('patient-card')).toHaveText('Niciun card în cititor');
  await expect(page.getByTestId('outcome')).toHaveCount(0);
  await expect(page.getByTestId('card-state')).toHaveCount(0);
});

test('diagnostics: descriptor summary and driver trace, copied for support, with no PIN in it', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await withReader(page, SCREEN_READER, { ecard: { state: 'active', pin: '1234' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await page.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await typeOnScreen(page, '1234');
  await typeOnScreen(page, '9876');
  await typeOnScreen(page, '9876');
  await expect(page.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  await page.getByText('Diagnostic (pentru asistență)').click();
  await page.getByRole('button', { name: 'Copiază raportul' }).click();
  await expect(page.getByText('Raportul a fost copiat.')).toBeVisible();
  const report = await page.evaluate(() => navigator.clipboard.readText());
  expect(report).toContain('(08E6:3437)');
  expect(report).toContain('exchange level: tpdu');
  expect(report).toMatch(/^#1 /m);
  for (const pin of ['1234', '9876', '31 32 33 34', '39 38 37 36', '313233', '393837']) expect(report).not.toContain(pin);
  await expect(page.getByTestId('diagnostic-report')).toHaveText(report);
});
