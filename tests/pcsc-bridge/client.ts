/**
 * The Node side of bridge.py: pcsc-lite's C API as promises (tests only). Calls run concurrently in
 * the bridge, as several threads of one PC/SC client would; each resolves with pcsc-lite's return
 * code, its result and how long the call took inside the bridge.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** pcsc-lite return codes the suites name (pcsclite.h). */
export const SCARD = {
  S_SUCCESS: 0x00000000,
  E_CANCELLED: 0x80100002,
  E_TIMEOUT: 0x8010000a,
  E_SHARING_VIOLATION: 0x8010000b,
  E_NO_SMARTCARD: 0x8010000c,
  E_PROTO_MISMATCH: 0x8010000f,
  E_NOT_TRANSACTED: 0x80100016,
  E_READER_UNAVAILABLE: 0x80100017,
  E_NO_READERS_AVAILABLE: 0x8010002e,
  F_COMM_ERROR: 0x80100013,
  E_UNSUPPORTED_FEATURE: 0x8010001f,
  W_UNRESPONSIVE_CARD: 0x80100066,
  W_UNPOWERED_CARD: 0x80100067,
  W_RESET_CARD: 0x80100068,
  W_REMOVED_CARD: 0x80100069,
} as const;

export const SHARE = { exclusive: 1, shared: 2, direct: 3 } as const;
export const PROTOCOL = { t0: 1, t1: 2, raw: 4 } as const;
export const DISPOSITION = { leave: 0, reset: 1, unpower: 2, eject: 3 } as const;
export const STATE = { unaware: 0, ignore: 1, changed: 2, unknown: 4, unavailable: 8, empty: 0x10, present: 0x20, exclusive: 0x80, inuse: 0x100, mute: 0x200 } as const;
/** SCARD_CTL_CODE(3400) on pcsc-lite: 0x42000000 + 3400 (PC/SC part 10 §2.2, CM_IOCTL_GET_FEATURE_REQUEST). */
export const CM_IOCTL_GET_FEATURE_REQUEST = 0x42000000 + 3400;

export interface BridgeAnswer<R> {
  readonly rc: number;
  readonly result: R;
  /** Time of the call inside the bridge (pcsc-lite round trip), ms. */
  readonly ms: number;
}

/** A call the bridge could not make at all (bad arguments): not a PC/SC return code. */
export class BridgeCallError extends Error {
  constructor(call: string, detail: string) {
    super(`${call}: ${detail}`);
    this.name = 'BridgeCallError';
  }
}

export interface PcscBridge {
  call<R = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<BridgeAnswer<R>>;
  close(): Promise<void>;
}

/** bridge.py in the repository, found from this module (tests/pcsc-bridge/ or a dist-node/ bundle). */
function bridgeScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'tests', 'pcsc-bridge', 'bridge.py');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('tests/pcsc-bridge/bridge.py not found above this module');
}

/** Starts bridge.py (python3 with pyscard) and resolves once it is ready. `script` overrides its path. */
export function startPcscBridge(script = bridgeScript()): Promise<PcscBridge> {
  const child: ChildProcessWithoutNullStreams = spawn('python3', ['-u', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map<number, { name: string; resolve: (a: BridgeAnswer<never>) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    child.once('error', reject);
    child.once('exit', (code) => {
      const error = new Error(`pcsc bridge exited (${code}): ${stderr.trim()}`);
      reject(error);
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
    });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { ready?: boolean; id?: number; rc?: number; result?: never; ms?: number; error?: string };
      if (message.ready) {
        resolve({
          call(name, args = {}) {
            const id = ++nextId;
            return new Promise((res, rej) => {
              waiting.set(id, { name, resolve: res as (a: BridgeAnswer<never>) => void, reject: rej });
              child.stdin.write(`${JSON.stringify({ id, call: name, args })}\n`);
            });
          },
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.stdin.end();
              setTimeout(() => child.kill('SIGKILL'), 2000).unref();
            }),
        });
        return;
      }
      const pending = message.id === undefined ? undefined : waiting.get(message.id);
      if (!pending || message.id === undefined) return;
      waiting.delete(message.id);
      if (message.error) pending.reject(new BridgeCallError(pending.name, message.error));
      else pending.resolve({ rc: message.rc ?? 0, result: message.result as never, ms: message.ms ?? 0 });
    });
  });
}

export function scardName(rc: number): string {
  const entry = Object.entries(SCARD).find(([, value]) => value === rc);
  return entry ? `SCARD_${entry[0]}` : `0x${rc.toString(16).padStart(8, '0')}`;
}
