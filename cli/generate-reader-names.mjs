#!/usr/bin/env node
// Regenerates cli/reader-names.json (VID:PID → product name) from the reader corpus, so that the
// shipped CLI names readers without the corpus: node cli/generate-reader-names.mjs [vectors.json]
// Default input: ../shared/ccid-readers/vectors.json next to the repo. Names are the device's own
// strings (iManufacturer + iProduct, trimmed, the maker left out when the product repeats it);
// a VID:PID the corpus holds under several names keeps them all, in corpus order, joined by " / ".
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const input = resolve(process.argv[2] ?? join(here, '..', '..', 'shared', 'ccid-readers', 'vectors.json'));
const output = join(here, 'reader-names.json');

/** @typedef {{ idVendor: number, idProduct: number, iManufacturer?: string, iProduct?: string }} CorpusEntry */

/** @param {unknown} value @returns {string} */
const text = (value) => (typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : '');
/** @param {number} value */
const hex4 = (value) => value.toString(16).toUpperCase().padStart(4, '0');

/** @param {CorpusEntry} entry */
function nameOf(entry) {
  const maker = text(entry.iManufacturer);
  const product = text(entry.iProduct);
  if (!maker) return product;
  if (!product) return maker;
  return product.toLowerCase().startsWith(maker.toLowerCase()) ? product : `${maker} ${product}`;
}

const corpus = /** @type {CorpusEntry[]} */ (JSON.parse(readFileSync(input, 'utf8')));
/** @type {Map<string, string[]>} */
const names = new Map();
for (const entry of corpus) {
  if (!Number.isInteger(entry.idVendor) || !Number.isInteger(entry.idProduct)) {
    throw new Error(`${input}: an entry without integer idVendor/idProduct: ${JSON.stringify(entry).slice(0, 120)}`);
  }
  const key = `${hex4(entry.idVendor)}:${hex4(entry.idProduct)}`;
  const name = nameOf(entry);
  const known = names.get(key) ?? [];
  if (name && !known.includes(name)) known.push(name);
  names.set(key, known);
}
const table = Object.fromEntries(
  [...names.entries()].filter(([, list]) => list.length > 0).sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => [key, list.join(' / ')]),
);
writeFileSync(output, `${JSON.stringify(table, null, 1)}\n`);
console.log(`${Object.keys(table).length} VID:PID names from ${corpus.length} corpus entries → ${output}`);
