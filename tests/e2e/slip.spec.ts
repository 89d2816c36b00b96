/**
 * The printable slip (issue 15 §2): "Tipărește fișa" after a reset, a change or an activation opens
 * the print dialog; printed, the page is the slip alone on one A4 sheet (date and time, operation,
 * outcome and official code, reader, blank lines for the holder's name, CID and signature, the
 * provider's stamp). No PIN on it, nothing of it stored, gone with the card in a kiosk.
 */
import { test, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SHOTS, expectAccessible, shot } from './a11y';
import { withReader } from './desk';

const PDF = fileURLToPath(new URL('../../test-results/slip.pdf', import.meta.url));

/** window.print() only counts its calls here (a headless browser has no dialog to show). */
async function countPrints(page: Page) {
  await page.addInitScript(() => {
    const w = window as { printed?: number };
    w.printed = 0;
    window.print = () => void (w.printed = (w.printed ?? 0) + 1);
  });
  return () => page.evaluate(() => (window as { printed?: number }).printed ?? 0);
}

/** Blocked card → CAS unblock → Reset PIN eCard (0000) → Schimbă PIN eCard (0000 → 4821) on the PIN pad. */
async function resetAndChange(page: Page) {
  const patients = page.getByTestId('patients');
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  await page.evaluate(() => window.__e2e?.casUnblock());
  await patients.getByRole('button', { name: 'CAS a deblocat cardul' }).click();
  await page.evaluate(() => window.__e2e?.pinpadEnter('0000'));
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  await expect(patients.getByTestId('outcome-done')).toContainText('PIN-ul a fost resetat');
  await page.evaluate(() => window.__e2e?.pinpadEnter('0000', '4821', '4821'));
  await patients.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
}

test('the slip: one A4 page with the operations, the reader and the lines to sign, no PIN, nothing stored', async ({ page }) => {
  const printed = await countPrints(page);
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'blocked' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  const patients = page.getByTestId('patients');
  await expect(patients.getByTestId('procedure')).toBeVisible();
  await expect(patients.getByRole('button', { name: 'Tipărește fișa' })).toHaveCount(0);
  await resetAndChange(page);

  const slip = page.getByTestId('slip');
  await expect(slip).toBeHidden(); // on screen there is only the button
  await patients.getByRole('button', { name: 'Tipărește fișa' }).click();
  expect(await printed()).toBe(1);

  await page.emulateMedia({ media: 'print' });
  await expect(slip).toBeVisible();
  // Printed, the slip is all there is.
  for (const other of [page.getByRole('banner'), page.getByRole('navigation'), page.getByTestId('procedure'), page.getByTestId('outcome'), page.getByRole('button', { name: 'Tipărește fișa' })]) {
    await expect(other).toBeHidden();
  }
  await expect(slip.getByRole('heading')).toHaveText('Fișă: operație pe cardul național de sănătate (eCard)');
  const rows = slip.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('Reset PIN eCard');
  await expect(rows.nth(1)).toContainText('Schimbă PIN eCard');
  for (const row of [rows.nth(0), rows.nth(1)]) {
    await expect(row.locator('td').nth(0)).toHaveText(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/); // date and time, ro-RO
    await expect(row.locator('td').nth(2)).toHaveText('reușită');
    await expect(row.locator('td').nth(3)).toHaveText('—'); // no error code: it succeeded
  }
  await expect(slip).toContainText('Cititor: OMNIKEY AG Smart Card Reader USB');
  for (const line of ['Numele și prenumele titularului', 'CID (codul de identificare al asiguratului)', 'Semnătura titularului', 'Furnizorul: ștampila și semnătura']) {
    await expect(slip).toContainText(line);
  }
  const text = (await slip.textContent()) ?? '';
  for (const pin of ['4821', '0000']) expect(text, 'no PIN on the slip').not.toContain(pin);
  await expectAccessible(page);
  await shot(page, '15-slip-print-media');

  // page.pdf() prints with the print style sheet, as the browser's dialog would: one A4 page.
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
  writeFileSync(PDF, pdf);
  // For the README, the printed page as an image (poppler's pdftoppm, where it is installed).
  if (process.env.SCREENSHOTS === '1') spawnSync('pdftoppm', ['-png', '-r', '96', '-singlefile', PDF, `${SHOTS}16-slip-a4`]);
  const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? [];
  expect(pages, 'one page').toHaveLength(1);
  const mediaBox = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
  // A4, 210 × 297 mm: 595.3 × 841.9 points (Chromium rounds to whole CSS pixels).
  expect(Math.abs(Number(mediaBox?.[1]) - 595.3)).toBeLessThan(2);
  expect(Math.abs(Number(mediaBox?.[2]) - 841.9)).toBeLessThan(2);

  // Nothing of it is stored: no web storage, no database, no cache entry but the build's files.
  const stored = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    databases: (await indexedDB.databases()).length,
    cached: (await Promise.all((await caches.keys()).map(async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)))).flat(),
  }));
  expect(stored.local).toBe(0);
  expect(stored.session).toBe(0);
  expect(stored.databases).toBe(0);
  expect(stored.cached.filter((url) => !/\/(assets\/|icons\/|manifest\.webmanifest|$)/.test(new URL(url).pathname))).toEqual([]);
});

test('the slip of a failed reset carries its official code; the kiosk wipes the slip with the card', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'blocked' } });
  await page.goto('/?kiosk=1');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  const patients = page.getByTestId('patients');
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  // Reset before the CAS unblocked: -36, and the slip says so.
  await page.evaluate(() => window.__e2e?.pinpadEnter('0000'));
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  await expect(patients.getByTestId('outcome-code')).toHaveText('-36');
  await page.emulateMedia({ media: 'print' });
  const row = page.getByTestId('slip').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').nth(2)).toHaveText('nereușită');
  await expect(row.locator('td').nth(3)).toHaveText('-36');
  await page.emulateMedia({ media: 'screen' });
  await expect(patients.getByRole('button', { name: 'Tipărește fișa' })).toBeVisible();
  await page.evaluate(() => window.__e2e?.remove());
  await expect(page.getByTestId('patient-card')).toHaveText('Niciun card în cititor');
  await expect(page.getByTestId('slip')).toHaveCount(0);
  await expect(patients.getByRole('button', { name: 'Tipărește fișa' })).toHaveCount(0);
  await expect(patients.getByTestId('procedure')).toHaveCount(0);
});
