/**
 * The page "Ce face aplicația" (issue 15 §3): linked from the Pacienți window and the Fișier menu;
 * what the app does on the card, what it cannot do without the national system, what the official
 * software also does, each statement with its sources; Romanian and English; the desk keeps its
 * state behind it.
 */
import { test, expect } from '@playwright/test';
import { screen } from './a11y';
import { withReader } from './desk';

test('from the Pacienți window: three answers with their sources, then back where the provider was', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'blocked' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  const patients = page.getByTestId('patients');
  await expect(patients.getByTestId('procedure')).toBeVisible();

  await patients.getByRole('link', { name: 'Ce face aplicația' }).click();
  const about = page.getByTestId('about');
  await expect(about.getByRole('heading', { level: 2 })).toHaveText('Ce face aplicația');
  await expect(about.getByRole('heading', { level: 2 })).toBeFocused();
  await expect(page).toHaveURL(/#ce-face-aplicatia$/);
  await expect(patients).toBeHidden();
  for (const heading of ['Ce face aplicația pe card', 'Ce nu poate face fără sistemul național', 'Ce face în plus programul oficial', 'Sursele']) {
    await expect(about.getByRole('heading', { level: 3, name: heading })).toBeVisible();
  }
  const section = (name: string) => about.getByRole('region', { name });
  await expect(section('Ce face aplicația pe card')).toContainText('Reset PIN eCard: după ce CAS a deblocat cardul, PIN-ul de reset 0000');
  await expect(section('Ce nu poate face fără sistemul național')).toContainText('Nu poate citi CID-ul sau numărul cardului de pe cip');
  await expect(section('Ce nu poate face fără sistemul național')).toContainText('nu poate autoriza o resetare');
  await expect(section('Ce face în plus programul oficial')).toContainText('întreabă serverul național de carduri');
  await expect(section('Ce face în plus programul oficial')).toContainText('certificate noi pe cip');
  // Every statement names its sources; [sdk] is said for what it is.
  const statements = about.locator('.statements > li');
  expect(await statements.count()).toBeGreaterThan(8);
  for (const statement of await statements.all()) await expect(statement.locator('.sources')).toContainText('Surse: ');
  await expect(about).toContainText('[sdk]: citit într-o copie decompilată a kitului oficial pentru furnizori');
  await expect(about).toContainText('Nu este un document oficial');
  const sources = about.getByTestId('about-sources');
  await expect(sources.getByRole('link', { name: 'https://github.com/ocean2706/CEAS-NOVENSYS' })).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(sources.getByRole('link', { name: /pentru-deblocare-carduri-in-colaborare-cu-cas-tulcea/ })).toBeVisible();
  await screen(page, '17-ce-face-aplicatia');

  await about.getByRole('button', { name: 'Înapoi la fereastra Pacienți' }).click();
  await expect(about).toHaveCount(0);
  await expect(patients.getByRole('link', { name: 'Ce face aplicația' })).toBeFocused();
  // The desk kept its state: the same card, the same procedure.
  await expect(patients.getByTestId('procedure').getByTestId('step-call-cas')).toHaveAttribute('aria-current', 'step');
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
});

test('in English, from the Fișier menu, and by its address', async ({ page }) => {
  await page.goto('/#ce-face-aplicatia');
  const about = page.getByTestId('about');
  await expect(about.getByRole('heading', { level: 2 })).toHaveText('Ce face aplicația');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(about.getByRole('heading', { level: 2 })).toHaveText('What the app does');
  for (const heading of ['What the app does on the card', 'What it cannot do without the national system', 'What the official software also does']) {
    await expect(about.getByRole('heading', { level: 3, name: heading })).toBeVisible();
  }
  await expect(about).toContainText('[sdk]: read in a decompiled copy of the official provider kit');
  await screen(page, '18-what-the-app-does-en');
  await page.getByRole('button', { name: 'File' }).click();
  await page.locator('#file-menu').getByRole('button', { name: 'Patients' }).click();
  await expect(about).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Patients', exact: true })).toBeFocused();
  await page.getByRole('button', { name: 'File' }).click();
  await page.locator('#file-menu').getByRole('link', { name: 'What the app does' }).click();
  await expect(about.getByRole('heading', { level: 2 })).toBeFocused();
});
