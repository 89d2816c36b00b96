/**
 * The PC/SC transport in the page: the app on a navigator.smartCard (the in-page stand-in of the
 * Web Smart Card API over the pcsc-lite + libccid stand-in, inject-smart-card.ts), as on ChromeOS
 * with the Smart Card Connector. The transport choice, the notice through PC/SC on a PIN pad reader
 * and on one without, removal mid-operation, another program holding the reader, no permission;
 * axe-core on each new screen.
 */
import AxeBuilder from '@axe-core/playwright';
import { test, expect, type Page } from '@playwright/test';
import { withReader } from './desk';
import { pcscReader, withSmartCard } from './pcsc-desk';

const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const PCSC = 'PC/SC (serviciul de carduri al sistemului: Smart Card Connector)';

async function noAxeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_AA).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function openPatients(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Fișier' }).click();
  await page.getByRole('button', { name: 'Pacienți' }).click();
  return page.getByTestId('patients');
}

test('a reader the Connector holds is offered through PC/SC, and its WebUSB twin is left alone', async ({ page }) => {
  await withSmartCard(page, {
    readers: [pcscReader('CardMan3821.txt', { pinpad: true, manufacturerName: 'HID Global', ecard: { state: 'active' } })],
    webUsbTwin: true,
  });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  const readers = page.getByTestId('reader');
  await expect(readers).toHaveCount(1);
  await expect(readers.getByTestId('transport')).toHaveText(PCSC);
  await expect(readers).toContainText('076B:3821');
  await expect(readers.getByTestId('pin-pad')).toHaveText('da');
  await expect(readers.getByTestId('webusb-twin')).toContainText('076B:3821');
  expect(await page.evaluate(() => window.__pcsc?.twinOpened())).toBe(false);
  await expect(page.getByTestId('transports')).toContainText('Smart Card Connector');
  await readers.getByText('Diagnostic (pentru asistență)').click();
  await expect(readers.getByTestId('diagnostic-transport')).toContainText(PCSC);
  await expect(readers.getByTestId('diagnostic-report')).toContainText('transport: PC/SC (Web Smart Card API), reader "HID Global');
  await expect(readers.getByTestId('diagnostic-report')).toContainText('part 10 features: 06→42330006 07→42330007');
  await noAxeViolations(page);
});

test('PC/SC and WebUSB readers side by side, each saying which transport serves it (two readers: -10)', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active' }, granted: true });
  await withSmartCard(page, { readers: [pcscReader('GemPCPinpad.txt', { pinpad: true, manufacturerName: 'Gemalto', ecard: { state: 'active' } })] });
  await page.goto('/');
  const readers = page.getByTestId('reader');
  await expect(readers).toHaveCount(2);
  await expect(readers.getByTestId('transport')).toHaveText([PCSC, 'WebUSB (driverul CCID al aplicației)']);
  await expect(page.getByTestId('reader-outcome')).toContainText('-10');
  await noAxeViolations(page);
});

test('the notice over PC/SC on a PIN pad reader: blocked → CAS unblocks → Reset 0000 on the pad → Schimbă 0000/new/new', async ({ page }) => {
  await withSmartCard(page, { readers: [pcscReader('GemPCPinpad.txt', { pinpad: true, manufacturerName: 'Gemalto', ecard: { state: 'blocked' } })] });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('card-state')).toHaveText('Blocat');
  await expect(patients.getByTestId('outcome-code')).toHaveText('-15');
  await expect(patients.getByTestId('cas-needs')).toContainText('CID');
  expect(await page.evaluate(() => window.__pcsc?.casUnblock(0))).toBe('unblocked');
  await patients.getByRole('button', { name: 'Reset PIN eCard' }).click();
  const entry = patients.getByTestId('pinpad-entry');
  await expect(entry).toContainText('Introduceți PIN-ul pe terminal');
  await expect(entry).toContainText('PIN-ul de reset?');
  await expect.poll(() => page.evaluate(() => window.__pcsc?.pinpadPrompt(0))).toBe('pin');
  await noAxeViolations(page);
  await page.evaluate(() => window.__pcsc?.pressKeys(0, '0000#'));
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  expect(await page.evaluate(() => window.__pcsc?.hasPin(0, '0000'))).toBe(true);
  await page.evaluate(() => window.__pcsc?.pinpadEnter(0, '0000', '4821', '4821'));
  await patients.getByRole('button', { name: 'Schimbă PIN eCard' }).click();
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN-ul a fost schimbat cu succes.');
  expect(await page.evaluate(() => window.__pcsc?.hasPin(0, '4821'))).toBe(true);
  expect(await page.evaluate(() => window.__pcsc?.triesConsumed(0))).toBe(0);
  // What went to SCardControl: the feature list, then one PIN_VERIFY (reset) and one PIN_MODIFY (change).
  const controls = await page.evaluate(() => window.__pcsc?.controls() ?? []);
  expect(controls.filter((c) => c.startsWith('4233000'))).toEqual([
    '42330006 1E 1E 82 04 00 04 04 02 01 09 04 00 00 00 00 09 00 00 00 00 2C 02 01 04 00 00 00 00',
    '42330007 1E 1E 82 04 00 00 04 04 04 03 02 03 09 04 00 01 02 00 00 00 0D 00 00 00 00 24 00 01 08 00 00 00 00 00 00 00 00',
  ]);
  await noAxeViolations(page);
});

test('a PC/SC reader without PIN pad: the on-screen keypad asks', async ({ page }) => {
  await withSmartCard(page, { readers: [pcscReader('GemPCTwin.txt', { ecard: { state: 'active', pin: '1234' } })] });
  const patients = await openPatients(page);
  await expect(page.getByTestId('reader').getByTestId('pin-pad')).toHaveText('nu');
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  await patients.getByRole('button', { name: 'Verifică PIN' }).click();
  const keypad = page.getByTestId('screen-keypad');
  await expect(patients.getByTestId('keypad-prompt')).toHaveText('PIN-ul dvs.?');
  await noAxeViolations(page);
  for (const d of '1234') await keypad.getByRole('button', { name: d, exact: true }).click();
  await keypad.getByRole('button', { name: 'OK' }).click();
  await expect(patients.getByTestId('outcome-done')).toHaveText('PIN corect.');
  expect(await page.content()).not.toContain('1234');
});

test('the card pulled out while the PIN pad waits: -8, no try spent', async ({ page }) => {
  await withSmartCard(page, { readers: [pcscReader('CardMan3821.txt', { pinpad: true, ecard: { state: 'active', pin: '1234' } })] });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  await patients.getByRole('button', { name: 'Verifică PIN' }).click();
  await expect(patients.getByTestId('pinpad-entry')).toBeVisible();
  await expect.poll(() => page.evaluate(() => window.__pcsc?.pinpadPrompt(0))).toBe('pin');
  await page.evaluate(() => {
    window.__pcsc?.remove(0);
    window.__pcsc?.pressKeys(0, '1234#');
  });
  await expect(patients.getByTestId('outcome-code')).toHaveText('-8');
  expect(await page.evaluate(() => window.__pcsc?.triesConsumed(0))).toBe(0);
  await expect(page.getByTestId('reader').getByTestId('card-status')).toHaveText('Niciun card în cititor');
});

test('another program holding the reader: "sharing-violation" in plain words, then it works once it lets go', async ({ page }) => {
  await withSmartCard(page, { readers: [pcscReader('CardMan3821.txt', { pinpad: true, ecard: { state: 'active' } })], heldByAnotherProgram: true });
  const patients = await openPatients(page);
  const error = patients.getByTestId('error');
  await expect(error).toContainText('Alt program folosește acum cititorul');
  await expect(error).toContainText('Smart Card Connector');
  await noAxeViolations(page);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(error).toContainText('Another program is using the reader right now');
  await page.getByRole('button', { name: 'Română' }).click();
  await page.evaluate(() => window.__pcsc?.release());
  await patients.getByRole('button', { name: 'Citește din nou starea cardului' }).click();
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
});

test('no "smart-card" permission: the app says so and keeps WebUSB', async ({ page }) => {
  await withReader(page, 'CardMan3821.txt', { pinpad: true, ecard: { state: 'active' } });
  await withSmartCard(page, { readers: [pcscReader('GemPCTwin.txt', { ecard: { state: 'active' } })], establishError: 'SecurityError' });
  await page.goto('/');
  const transports = page.getByTestId('transports');
  await expect(transports).toContainText('Serviciul de carduri al sistemului (PC/SC) nu poate fi folosit');
  await expect(transports.getByTestId('error')).toContainText('SmartCardConnectAllowedForUrls');
  await page.getByRole('button', { name: 'Conectează cititorul' }).click();
  await expect(page.getByTestId('reader').getByTestId('transport')).toHaveText('WebUSB (driverul CCID al aplicației)');
  await noAxeViolations(page);
});

test('a PC/SC reader unplugged: it leaves the list, and the Pacienți window says -9', async ({ page }) => {
  await withSmartCard(page, { readers: [pcscReader('GemPCTwin.txt', { ecard: { state: 'active' } })] });
  const patients = await openPatients(page);
  await expect(patients.getByTestId('card-state')).toHaveText('Activ');
  await page.evaluate(() => window.__pcsc?.unplug(0));
  await expect(page.getByTestId('reader')).toHaveCount(0);
  await expect(patients.getByTestId('reader-outcome')).toContainText('-9');
});
