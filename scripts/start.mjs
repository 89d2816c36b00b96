#!/usr/bin/env node
/**
 * `npm start`: install if needed, build, serve the built app on http://127.0.0.1:4173.
 * The training reader (a virtual PIN-pad reader with a virtual card) is in the page, so the app
 * works with no hardware.
 */
import { execSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execSync('node scripts/ensure-install.mjs', { cwd: root, stdio: 'inherit' });
execSync('npx vite build', { cwd: root, stdio: 'inherit' });
console.log('\neCard PIN: http://127.0.0.1:4173  (Ctrl+C to stop; "Cititor de instruire" works without a reader)\n');
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', '4173', '--strictPort'], {
  cwd: root,
  stdio: 'inherit',
});
server.on('exit', (code) => process.exit(code ?? 0));
