/**
 * The notice as a guided procedure (issue 15 §1): the checklist of a blocked card (call CAS with the
 * CID → CAS unblocks → Reset PIN eCard 0000 → Schimbă PIN eCard → done) on a PIN-pad reader and on a
 * reader without one, with the keyboard only; an invalid card (call CAS with the card number,
 * nothing on the card); activation; the training desk where the CAS console is the authority.
 * Moving on from Reset to Schimbă asks for every PIN again and sends nothing by itself.
 */
import { test, expect, type Locator, type Page } from '@playwright/test';
import { screen } from './a11y';
import type { VirtualEcardState } from '../../src/sim';
import { withReader } from './desk';

const PINPAD_READER = 'CardMan3821.txt' as const;
const SCREEN_READER = 'GemPCTwin.txt' as const;

const STEPS = ['call-cas', 'cas-unblocks', 'reset', 'change', 'done'] as const;

/** Connects `reader` (its PIN pad on, if it has one) holding a virtual eCard in `state`: the Pacienți window and its checklist. */
async function connect(page: Page, reader: typeof PINPAD_READER | typeof SCREEN_READER, state: VirtualEcardState) {
  await withReader(page, reader, { ...(reader === PINPAD_READER ? { pinpad: true } : {}), ecard: { state } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  const patients = page.getByTestId('patients');
  return { patients, procedure: patients.getByTestId('procedure') };
}

/** The checklist says: steps before `current` ticked, `current` marked, the rest still to do. */
async function expectAt(procedure: Locator, steps: readonly string[], current: string, finished = false) {
  const at = steps.indexOf(current);
  for (const [i, id] of steps.entries()) {
    const step = procedure.getByTestId(`step-${id}`);
    const state = i < at || (finished && i === at) ? 'done' : i === at ? 'current' : 'todo';
    await expect(step, `step ${id}`).toHaveAttribute('data-state', state);
    if (i === at) await expect(step).toHaveAttribute('aria-current', 'step');
    else await expect(step).not.toHaveAttribute('aria-current');
  }
}

/** No PIN entry runs and nothing was sent: no operation panel, no PIN pad prompt. */
async function expectNothingStarted(page: Page) {
  await page.waitForTimeout(500);
  await expect(page.getByTestId('operation')).toHaveCount(0);
  expect(await page.evaluate(() => window.__e2e?.pinpadPrompt())).toBeNull();
}

test('blocked card on a PIN-pad reader: the checklist through the CAS call, Reset and Schimbă PIN eCard, keyboard only', async ({ page }) => {
  const { patients, procedure } = await connect(page, PINPAD_READER, 'blocked');
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  await expect(procedure.getByRole('heading', { name: 'Procedura pentru cardul blocat' })).toBeVisible();
  await expectAt(procedure, STEPS, 'call-cas');
  await expect(procedure.getByTestId('step-now')).toContainText('CID-ul (codul de identificare al asiguratului) este tipărit pe card');
  await screen(page, '10-procedure-blocked');

  // The CAS unblocks the card in the national system; the provider says so, with the keyboard.
  await page.evaluate(() => window.__e2e?.casUnblock());
  const confirm = procedure.getByRole('button', { name: 'CAS a deblocat cardul' });
  await confirm.focus();
  await page.keyboard.press('Enter');
  await expectAt(procedure, STEPS, 'reset');
  const reset = patients.getByRole('button', { name: 'Reset PIN eCard' });
  await expect(reset).toBeFocused();
  await expect(reset).toHaveAttribute('aria-describedby', 'procedure-current');
  await expect(procedure.getByTestId('procedure-announcement')).toHaveText('Pasul 3 din 5: Reset PIN eCard, cu PIN-ul de reset 0000');
  await expect(procedure.getByTestId('step-prompts')).toContainText('PIN-ul de reset?');
  await expect(procedure.getByTestId('step-prompts')).toContainText('0000 (patru zerouri), apoi OK');
  await expectNothingStarted(page);

  // Reset PIN eCard: the terminal asks for the reset PIN; 0000 is typed on it.
  await page.keyboard.press('Enter');
  await expect(patients.getByTestId('pinpad-entry')).toContainText('PIN-ul de reset?');
  await expect(procedure.getByTestId('step-prompts')).toHaveCount(0); // the operation's own panel shows them now
  await page.evaluate(() => window.__e2e?.pressKeys('0000#'));

  // One path on: Schimbă PIN eCard is next and has the focus, but nothing runs until it is pressed.
  await expectAt(procedure, STEPS, 'change');
  const change = patients.getByRole('button', { name: 'Schimbă PIN eCard' });
  await expect(change).toBeFocused();
  await expect(procedure.getByTestId('procedure-announcement')).toHaveText('Pasul 4 din 5: Schimbă PIN eCard: 0000, PIN-ul nou, confirmarea');
  await expect(patients.getByTestId('outcome-done')).toContainText('PIN-ul a fost resetat');
  expect(await page.evaluate(() => window.__e2e?.hasPin('0000'))).toBe(true);
  await expectNothingStarted(page);
  await expect(procedure.getByTestId('step-prompts')).toContainText('PIN actual?');
  await expect(procedure.getByTestId('step-prompts')).toContainText('PIN nou?');
  await expect(procedure.getByTestId('step-prompts')).toContainText('PIN confirmat?');
  await screen(page, '11-procedure-next-change');

  await page.keyboard.press('Enter');
  await expect(patients.getByTestId('pinpad-entry')).toContainText('PIN actual?');
  await page.evaluate(() => {
    window.__e2e?.pressKeys('0000#');
    window.__e2e?.pinpadEnter('4821', '4821'); // the next two prompts, as the holder types them
  });
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  await expectAt(procedure, STEPS, 'done', true);
  await expect(procedure.getByTestId('procedure-announcement')).toHaveText('Pasul 5 din 5: Gata: PIN-ul a fost schimbat');
  await expect(patients.getByRole('button', { name: 'Tipărește fișa' })).toBeVisible();
  expect(await page.evaluate(() => window.__e2e?.hasPin('4821'))).toBe(true);
  expect(await page.evaluate(() => window.__e2e?.triesConsumed())).toBe(0);
  await screen(page, '12-procedure-done');
});

/** Answers the on-screen keypad's prompts in turn with the keyboard only (each key focused, Enter; then OK). */
async function answerOnScreen(page: Page, entries: readonly (readonly [prompt: string, pin: string])[]) {
  const keypad = page.getByTestId('screen-keypad');
  for (const [asked, pin] of entries) {
    await expect(page.getByTestId('keypad-prompt')).toHaveText(asked);
    for (const d of pin) {
      await keypad.getByRole('button', { name: d, exact: true }).focus();
      await page.keyboard.press('Enter');
    }
    await keypad.getByRole('button', { name: 'OK' }).focus();
    await page.keyboard.press('Enter');
  }
}

test('blocked card on a reader without PIN pad: the same path on the screen keypad, each PIN asked in turn', async ({ page }) => {
  const { patients, procedure } = await connect(page, SCREEN_READER, 'blocked');
  await expectAt(procedure, STEPS, 'call-cas');
  await page.evaluate(() => window.__e2e?.casUnblock());
  await procedure.getByRole('button', { name: 'CAS a deblocat cardul' }).click();
  const reset = patients.getByRole('button', { name: 'Reset PIN eCard' });
  await expect(reset).toBeFocused();
  await expect(page.getByTestId('screen-keypad')).toHaveCount(0);
  await page.keyboard.press('Enter');
  await answerOnScreen(page, [['PIN-ul de reset?', '0000']]);

  await expectAt(procedure, STEPS, 'change');
  await expect(patients.getByRole('button', { name: 'Schimbă PIN eCard' })).toBeFocused();
  await expectNothingStarted(page);
  await expect(page.getByTestId('screen-keypad')).toHaveCount(0);
  await page.keyboard.press('Enter');
  await answerOnScreen(page, [['PIN actual?', '0000'], ['PIN nou?', '1593'], ['PIN confirmat?', '1593']]);
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  await expectAt(procedure, STEPS, 'done', true);
  expect(await page.evaluate(() => window.__e2e?.hasPin('1593'))).toBe(true);
  expect(await page.evaluate(() => window.__e2e?.triesConsumed())).toBe(0);
  expect(await page.content()).not.toContain('1593');
});

test('the CAS had not unblocked yet: the reset says -36 and the checklist goes back to the call', async ({ page }) => {
  const { patients, procedure } = await connect(page, PINPAD_READER, 'blocked');
  await procedure.getByRole('button', { name: 'CAS a deblocat cardul' }).click();
  await expectAt(procedure, STEPS, 'reset');
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  await page.evaluate(() => window.__e2e?.pressKeys('0000#'));
  await expect(patients.getByTestId('outcome-code')).toHaveText('-36');
  await expectAt(procedure, STEPS, 'call-cas');
  expect(await page.evaluate(() => window.__e2e?.triesConsumed())).toBe(0);
});

test('invalid card: call the CAS with the card number, nothing on the card, then done', async ({ page }) => {
  const { patients, procedure } = await connect(page, PINPAD_READER, 'invalid');
  const steps = ['call-cas', 'cas-fixes', 'done'];
  await expect(procedure.getByRole('heading', { name: 'Procedura pentru cardul invalid' })).toBeVisible();
  await expectAt(procedure, steps, 'call-cas');
  await expect(procedure.getByTestId('step-now')).toContainText('Numărul cardului (numărul documentului) este tipărit pe card. Pe card nu se face nimic.');
  for (const name of ['Verifică PIN', 'Reset PIN eCard', 'Schimbă PIN eCard', 'Activează card']) {
    await expect(patients.getByRole('button', { name })).toBeDisabled();
  }
  await screen(page, '13-procedure-invalid');
  await procedure.getByRole('button', { name: 'CAS a rezolvat cardul' }).click();
  await expectAt(procedure, steps, 'done', true);
  await expect(procedure.getByTestId('procedure-announcement')).toHaveText('Pasul 3 din 3: Gata: cardul funcționează din nou cu PIN-ul titularului');
  expect(await page.evaluate(() => window.__e2e?.triesConsumed())).toBe(0);
  // In English too.
  await page.getByRole('button', { name: 'English' }).click();
  await expect(procedure.getByRole('heading', { name: 'Procedure for an invalid card' })).toBeVisible();
  await expect(procedure.getByTestId('procedure-announcement')).toHaveText('Step 3 of 3: Done: the card works again with the holder’s PIN');
});

test('activation of a new card: transport PIN, then the holder’s PIN twice, each asked on the screen', async ({ page }) => {
  const { patients, procedure } = await connect(page, PINPAD_READER, 'transport');
  const steps = ['activate', 'done'];
  await expect(procedure.getByRole('heading', { name: 'Activarea cardului nou' })).toBeVisible();
  await expectAt(procedure, steps, 'activate');
  await expect(procedure.getByTestId('step-prompts')).toContainText('PIN transport?');
  await expect(procedure.getByTestId('step-prompts')).toContainText('PIN-ul de transport 000, apoi OK');
  const activate = patients.getByRole('button', { name: 'Activează card' });
  await expect(activate).toHaveClass(/next-step/);
  await screen(page, '14-procedure-activation');
  await activate.click();
  await answerOnScreen(page, [['PIN transport?', '000'], ['PIN nou?', '7412'], ['PIN confirmat?', '7412']]);
  await expect(patients.getByTestId('outcome-done')).toHaveText('Cardul a fost activat cu PIN-ul ales.');
  await expectAt(procedure, steps, 'done', true);
  expect(await page.evaluate(() => window.__e2e?.hasPin('7412'))).toBe(true);
});

test('training: the CAS console is the authority — no provider confirmation, the reset asks it first', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Cititor de instruire' }).click();
  const training = page.getByTestId('training');
  const patients = page.getByTestId('patients');
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  await expect(patients.getByTestId('procedure')).toHaveCount(0);
  await training.getByRole('button', { name: 'Introdu un card nou' }).click();
  const procedure = patients.getByTestId('procedure');
  await expectAt(procedure, STEPS, 'call-cas');
  await expect(procedure.getByRole('button', { name: 'CAS a deblocat cardul' })).toHaveCount(0);
  await expect(procedure.getByTestId('step-now')).toContainText('aplicația întreabă întâi CAS dacă deblocarea este făcută');
  const reset = patients.getByRole('button', { name: 'Reset PIN eCard' });
  await expect(reset).toHaveClass(/next-step/);
  // Before the CAS console unblocks: -36, back to the call.
  await reset.click();
  await expect(patients.getByTestId('outcome-code')).toHaveText('-36');
  await expectAt(procedure, STEPS, 'call-cas');
  await training.getByRole('button', { name: 'Deblochează cardul' }).click();
  await reset.click();
  const terminal = training.getByTestId('virtual-terminal');
  await expect(training.getByTestId('terminal-lcd')).toContainText('PIN-ul de reset?');
  await expectAt(procedure, STEPS, 'reset');
  for (const key of ['0', '0', '0', '0', 'OK']) await terminal.getByRole('button', { name: key, exact: true }).click();
  await expectAt(procedure, STEPS, 'change');
  await expect(patients.getByRole('button', { name: 'Schimbă PIN eCard' })).toBeFocused();
  await expect(training.getByTestId('terminal-lcd')).toHaveText('Terminal în așteptare');
});
