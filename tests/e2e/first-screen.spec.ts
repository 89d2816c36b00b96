/**
 * The first screen (issue 15 §5–6): whole from the files index.html names, with every chunk loaded
 * later refused; an icon (no 404), a description, a theme colour and a web app manifest the
 * browser accepts for installing; the offline line inside the page's header.
 */
import { chromium, test, expect, type Request } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectAccessible } from './a11y';

const BUILT_INDEX = fileURLToPath(new URL('../../dist/index.html', import.meta.url));

/** The build's files that index.html names: what the first screen may load. */
function firstScreenFiles(): Set<string> {
  const html = readFileSync(BUILT_INDEX, 'utf8');
  return new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? ''));
}

test('the first screen is whole with every later chunk refused, and asks for none of them', async ({ page }) => {
  const allowed = firstScreenFiles();
  expect([...allowed].some((f) => f.endsWith('.js')), 'an entry script').toBe(true);
  const refused: string[] = [];
  await page.route('**/assets/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    if (allowed.has(path)) return route.continue();
    refused.push(path);
    return route.abort();
  });
  const byPage: string[] = [];
  page.on('request', (request: Request) => {
    if (request.serviceWorker() === null) byPage.push(new URL(request.url()).pathname);
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('eCard PIN');
  const patients = page.getByTestId('patients');
  await expect(patients.getByRole('heading', { name: 'Pacienți' })).toBeVisible();
  await expect(patients.getByTestId('patients-start')).toContainText('Conectați mai întâi cititorul de carduri');
  await expect(patients.getByRole('link', { name: 'Ce face aplicația' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Conectează cititorul' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Cititor de instruire' })).toBeEnabled();
  await expect(page.getByText('Niciun cititor conectat.')).toBeVisible();
  await page.getByRole('button', { name: 'Fișier' }).click();
  await expect(page.locator('#file-menu').getByRole('button', { name: 'Pacienți' })).toBeVisible();
  await expectAccessible(page);
  await page.waitForTimeout(500);
  // The page itself asked for its first-screen files only (the offline worker fetches the rest later).
  expect(byPage.filter((path) => path.startsWith('/assets/')).sort()).toEqual([...allowed].sort());
  expect(refused).toEqual([]);
  expect(errors).toEqual([]);
});

/** Width and height of a PNG (its IHDR chunk). */
function pngSize(bytes: Buffer): string {
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

test('an icon and no 404, a description, a theme colour, and a web app manifest with its icons', async ({ page, request }) => {
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (r) => failed.push(`failed ${r.url()}`));
  await page.goto('/');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await expect(page.locator('meta[name="description"]')).toHaveAttribute('content', /cardului național de sănătate/);
  await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', '#0b4f8a');
  const icon = page.locator('link[rel="icon"]');
  const iconResponse = await request.get((await icon.getAttribute('href')) ?? '');
  expect(iconResponse.status()).toBe(200);
  expect(iconResponse.headers()['content-type']).toContain('image/png');
  expect(pngSize(await iconResponse.body())).toBe(await icon.getAttribute('sizes'));

  const manifestUrl = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = (await (await request.get(manifestUrl ?? '')).json()) as {
    name: string;
    short_name: string;
    start_url: string;
    display: string;
    theme_color: string;
    icons: { src: string; sizes: string; type: string; purpose: string }[];
  };
  expect(manifest).toMatchObject({ name: 'eCard PIN', short_name: 'eCard PIN', start_url: '/', display: 'standalone', theme_color: '#0b4f8a' });
  for (const entry of manifest.icons) {
    const response = await request.get(entry.src);
    expect(response.status(), entry.src).toBe(200);
    if (entry.type === 'image/png') expect(pngSize(await response.body()), entry.src).toBe(entry.sizes);
  }
  expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));

  expect(failed).toEqual([]);
});

test('Chromium finds nothing against installing the page', async ({ baseURL, browserName }) => {
  // Playwright's own contexts are off the record, where Chromium never installs: a profile on disk.
  const profile = mkdtempSync(join(tmpdir(), 'ecard-install-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    expect(browserName).toBe('chromium');
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(baseURL ?? '/');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const cdp = await context.newCDPSession(page);
    const parsed = (await cdp.send('Page.getAppManifest')) as { errors: { message: string }[]; url: string };
    expect(parsed.url).toMatch(/\/manifest\.webmanifest$/);
    expect(parsed.errors).toEqual([]);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('the offline line is part of the header, in its language', async ({ page }) => {
  await page.goto('/');
  const status = page.getByRole('banner').locator('#offline-status');
  await expect(status).toHaveText('Funcționează și fără internet');
  const header = await page.getByRole('banner').boundingBox();
  const line = await status.boundingBox();
  expect(header && line).toBeTruthy();
  if (!header || !line) return;
  expect(line.y).toBeGreaterThanOrEqual(header.y);
  expect(line.y + line.height).toBeLessThanOrEqual(header.y + header.height);
  expect(line.x + line.width).toBeLessThanOrEqual(header.x + header.width);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(status).toHaveText('Works offline');
  await expectAccessible(page);
});
