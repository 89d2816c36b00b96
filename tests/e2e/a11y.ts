/**
 * Shared by the specs: axe-core (WCAG 2.0/2.1/2.2 A and AA rules) must find nothing on a screen, and
 * with SCREENSHOTS=1 a screen is saved to docs/screenshots/ (for the README).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';

const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_AA).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** A modal's backdrop or a layout check: the viewport as the user sees it (fullPage false). */
export async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  if (process.env.SCREENSHOTS === '1') await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage });
}

/** Both: the screen passes axe, and is saved with SCREENSHOTS=1. */
export async function screen(page: Page, name: string, fullPage = true): Promise<void> {
  await expectAccessible(page);
  await shot(page, name, fullPage);
}
