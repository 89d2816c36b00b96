/**
 * The production build as a support person meets it: error names readable in "Detalii tehnice"
 * (the minifier must keep class names: vite.config.ts), and the card's ATR on the reader as soon as
 * the Pacienți window has checked the card (no "Pornește cardul" needed).
 */
import { test, expect } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ECARD_ATR, withReader } from './desk';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every class the source declares (`class Name`), file by file. */
function sourceClassNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.includes('.spec.')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\bclass\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1] ?? '');
      }
    }
  };
  walk(`${ROOT}src`);
  return names;
}

/** Classes in the built JavaScript: `class X extends` declarations and `X=class extends` expressions. */
function builtClasses(): { name: string; file: string }[] {
  const dir = `${ROOT}dist/assets`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .flatMap((file) =>
      [...readFileSync(`${dir}/${file}`, 'utf8').matchAll(/(?:\bclass\s+([A-Za-z_$][\w$]*)\s+extends\b|([A-Za-z_$][\w$]*)\s*=\s*class(?:\s+[A-Za-z_$][\w$]*)?\s+extends\b)/g)].map((m) => ({
        name: m[1] ?? m[2] ?? '',
        file,
      })),
    );
}

test('the built files keep the name of every class, errors first', () => {
  const source = sourceClassNames();
  const built = builtClasses();
  const mangled = built.filter((c) => !source.has(c.name));
  expect(mangled, `classes renamed by the build: ${mangled.map((c) => `${c.name} in ${c.file}`).join(', ')}`).toEqual([]);
  const names = new Set(built.map((c) => c.name));
  for (const error of ['CcidError', 'ProtectedClassError', 'AccessDeniedError', 'DeviceBusyError', 'DeviceDisconnectedError', 'CardLinkError', 'PinPadRefusalError']) {
    expect(names, `${error} is not in the build under its own name`).toContain(error);
  }
});

test('"Detalii tehnice" names the error in words a support person can use', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { policy: { protectedClass: true } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  const note = page.getByTestId('reader').getByTestId('error');
  await expect(note).toContainText('pagini web obișnuite');
  await note.getByText('Detalii tehnice').click();
  await expect(note.locator('code')).toHaveText(/^ProtectedClassError: claimInterface: /);
});

test('the ATR is on the reader once the card is checked, before anyone presses "Pornește cardul"', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active' } });
  await page.goto('/');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('card-state')).toHaveText('Activ');
  await expect(page.getByTestId('reader').getByTestId('atr')).toHaveText(ECARD_ATR);
});
