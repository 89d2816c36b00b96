/**
 * The training desk at the two common clinic screen sizes: the virtual terminal and the prompt it
 * answers are on screen together during every PIN entry, with nobody scrolling (issue 15 §4). The
 * card-state picker is the next card's; the card in the reader has its own line.
 */
import { test, expect, type Locator, type Page } from '@playwright/test';
import { expectAccessible, shot } from './a11y';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1366, height: 768 },
] as const;

/** The whole of `locator` lies inside the viewport, as the page is scrolled now. */
async function expectOnScreen(page: Page, locator: Locator, what: string) {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  expect(box, `${what} is rendered`).not.toBeNull();
  if (!box || !viewport) return;
  expect(box.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box.y, `${what}: top edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what}: right edge`).toBeLessThanOrEqual(viewport.width);
  expect(box.y + box.height, `${what}: bottom edge`).toBeLessThanOrEqual(viewport.height);
}

for (const size of SIZES) {
  test(`${size.width}×${size.height}: terminal and prompt together through Reset and Schimbă PIN eCard, no scrolling`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto('/');
    await page.getByRole('button', { name: 'Cititor de instruire' }).click();
    const training = page.getByTestId('training');
    const patients = page.getByTestId('patients');
    await expect(patients.getByTestId('card-state')).toHaveText('Activ');
    // The picker is the next card's; the card in the reader now is said apart.
    await expect(training.getByRole('heading', { name: 'Cardul următor' })).toBeVisible();
    await expect(training.getByLabel('Starea cardului următor')).toHaveValue('blocked');
    await expect(training.getByTestId('training-card-now')).toHaveText('activ');
    await training.getByRole('button', { name: 'Introdu un card nou' }).click();
    await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
    await expect(training.getByTestId('training-card-now')).toHaveText('blocat');
    await training.getByRole('button', { name: 'Deblochează cardul' }).click();
    await expect(training.getByTestId('training-card-now')).toHaveText('blocat, deblocat la CAS (se poate reseta)');

    const terminal = training.getByTestId('virtual-terminal');
    const lcd = training.getByTestId('terminal-lcd');
    const prompt = patients.getByTestId('pinpad-entry');
    await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
    await expect(lcd).toContainText('PIN-ul de reset?');
    await expect(prompt).toContainText('Introduceți PIN-ul pe terminal');
    await expectOnScreen(page, terminal, 'the terminal');
    await expectOnScreen(page, prompt, 'the prompt');
    await shot(page, `${size.width === 1280 ? 19 : 20}-training-${size.width}x${size.height}`, false);
    await expectAccessible(page);
    for (const d of '0000') await terminal.getByRole('button', { name: d, exact: true }).click();
    await terminal.getByRole('button', { name: 'OK' }).click();
    await expect(patients.getByTestId('card-state')).toHaveText('Activ');
    await expect(training.getByTestId('training-card-now')).toHaveText('activ');

    // Schimbă PIN eCard: three prompts in a row; the page does not move between them.
    await patients.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
    let scrolled: number | null = null;
    for (const [asked, pin] of [['PIN actual?', '0000'], ['PIN nou?', '2468'], ['PIN confirmat?', '2468']] as const) {
      await expect(lcd).toContainText(asked);
      await expectOnScreen(page, terminal, `the terminal at “${asked}”`);
      await expectOnScreen(page, prompt, `the prompt at “${asked}”`);
      const y = await page.evaluate(() => window.scrollY);
      if (scrolled === null) scrolled = y;
      expect(y, 'no scrolling during the entry').toBe(scrolled);
      for (const d of pin) await terminal.getByRole('button', { name: d, exact: true }).click();
      await terminal.getByRole('button', { name: 'OK' }).click();
    }
    await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  });
}
