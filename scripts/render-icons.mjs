#!/usr/bin/env node
/**
 * Renders the PNG icons (the tab icon of index.html, those of public/manifest.webmanifest) from
 * their SVGs in public/icons, with Debian's Chromium: `node scripts/render-icons.mjs` after changing an SVG.
 */
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ICONS = fileURLToPath(new URL('../public/icons/', import.meta.url));
const RENDERS = [
  ['icon.svg', 'icon-32.png', 32], // the page's tab icon: a small PNG costs the first screen less than the SVG
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['icon-maskable.svg', 'icon-maskable-512.png', 512],
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const [svg, png, size] of RENDERS) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const source = readFileSync(`${ICONS}${svg}`, 'utf8').replace(/width="\d+" height="\d+"/, `width="${size}" height="${size}"`);
    await page.setContent(`<!doctype html><body style="margin:0">${source}</body>`);
    await page.locator('svg').screenshot({ path: `${ICONS}${png}`, omitBackground: true });
    await page.close();
    console.log(`${png} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
