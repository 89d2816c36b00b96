/**
 * A PcscBackend (tests/support/web-smart-card/api.ts) over real pcsc-lite: each call is one JSON
 * line to bridge.py, which makes the winscard call through python3-pyscard. With
 * createSmartCardResourceManager() on top, Node tests get a navigator.smartCard that follows the
 * spec's rules and talks to the real pcscd (and, in the QEMU guest, to libccid and USB readers).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../../src/ccid';
import type { PcscBackend } from '../support/web-smart-card/api';

/** Debian's interpreter: python3-pyscard is installed for it (a pyenv python on PATH would not have it). */
export const DEFAULT_PYTHON = process.env.PCSC_BRIDGE_PYTHON ?? '/usr/bin/python3';
const SCRIPT = bridgeScript();

/** bridge.py in the repository, found from this module (tests/pcsc-bridge/, or a dist-node/ bundle in the QEMU guest). */
function bridgeScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'tests', 'pcsc-bridge', 'bridge.py');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('tests/pcsc-bridge/bridge.py not found above this module');
}

type Reply = Record<string, unknown> & { id: number; code?: number; error?: string };

export interface PyscardBridge {
  readonly backend: PcscBackend;
  /** Ends the Python process (its contexts go with it). */
  close(): Promise<void>;
}

export function startPyscardBridge(python = DEFAULT_PYTHON): PyscardBridge {
  const child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map<number, (reply: Reply) => void>();
  let nextId = 1;
  let exited: Error | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const reply = JSON.parse(line) as Reply;
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`pcsc bridge exited (${code ?? signal})`);
    for (const [, resolve] of pending) resolve({ id: 0, error: exited.message });
    pending.clear();
  });

  const call = (op: string, args: Record<string, unknown> = {}): Promise<Reply> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<Reply>((resolve, reject) => {
      pending.set(id, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
      child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  };
  const code = (reply: Reply) => Number(reply.code);
  const bytes = (reply: Reply, key = 'data') => fromHex(String(reply[key] ?? ''));

  const backend: PcscBackend = {
    establishContext: async () => {
      const r = await call('establish');
      return { code: code(r), context: Number(r.context) };
    },
    listReaders: async (context) => {
      const r = await call('listReaders', { context });
      return { code: code(r), readers: (r.readers as string[] | undefined) ?? [] };
    },
    getStatusChange: async (context, timeout, states) => {
      const r = await call('getStatusChange', { context, timeout, states: states.map((s) => ({ reader: s.reader, currentState: s.currentState })) });
      const out = (r.states as { reader: string; eventState: number; atr: string }[] | undefined) ?? [];
      return { code: code(r), states: out.map((s) => ({ reader: s.reader, eventState: s.eventState, atr: fromHex(s.atr) })) };
    },
    cancel: async (context) => code(await call('cancel', { context })),
    connect: async (context, reader, share, protocols) => {
      const r = await call('connect', { context, reader, share, protocols });
      return { code: code(r), handle: Number(r.handle), protocol: Number(r.protocol) };
    },
    disconnect: async (handle, disposition) => code(await call('disconnect', { handle, disposition })),
    transmit: async (handle, protocol, data) => {
      const r = await call('transmit', { handle, protocol, data: toHex(data, '') });
      return { code: code(r), data: bytes(r), ms: Number(r.ms) };
    },
    control: async (handle, controlCode, data) => {
      const r = await call('control', { handle, controlCode, data: toHex(data, '') });
      return { code: code(r), data: bytes(r) };
    },
    status: async (handle) => {
      const r = await call('status', { handle });
      return { code: code(r), reader: String(r.reader ?? ''), state: Number(r.state), protocol: Number(r.protocol), atr: bytes(r, 'atr') };
    },
    getAttrib: async (handle, tag) => {
      const r = await call('getAttrib', { handle, tag });
      return { code: code(r), data: bytes(r) };
    },
    setAttrib: async (handle, tag, data) => code(await call('setAttrib', { handle, tag, data: toHex(data, '') })),
    beginTransaction: async (handle) => code(await call('beginTransaction', { handle })),
    endTransaction: async (handle, disposition) => code(await call('endTransaction', { handle, disposition })),
  };

  return {
    backend,
    close: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
