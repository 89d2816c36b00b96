/**
 * The reader's side of a browser-usb scenario: what a person at the desk (or the CAS) does to the
 * hardware while the page runs. In the QEMU guest the readers are virtual ones from src/sim,
 * exported into the guest kernel over USB/IP by a host process; that process also serves this
 * small HTTP control API (startDeviceControl), which the suite in the guest reaches at
 * http://10.0.2.2:<port> (QEMU user networking) through httpDeviceSide. The page never sees any of
 * it: it talks to the reader through Chromium's own WebUSB.
 *
 * API (JSON; :id is a reader id):
 *   GET    /readers                    → ReaderInfo[]
 *   POST   /readers/:id/card           {state, pin?, triesLeft?} → a new virtual eCard in the slot
 *   DELETE /readers/:id/card           → the card taken out
 *   POST   /readers/:id/keys           {keys: PinPadKey[]} → pressed on the PIN pad, in order
 *   GET    /readers/:id/pinpad         → {prompt: PinPromptKind | null, digitsEntered}
 *   POST   /readers/:id/cas/unblock    → {result: 'unblocked' | 'not-blocked'} (the CAS specialist)
 *   GET    /readers/:id/ledger         → {tries: PinTry[], triesConsumed} (the card's own count)
 *   POST   /readers/:id/pin-check      {pin} → {matches} (the test's check of the card's PIN)
 *   POST   /readers/:id/unplug | /replug → the reader leaves / comes back (USB/IP detach / attach)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createCasConsole,
  createVirtualEcard,
  type CasConsole,
  type PinPadKey,
  type PinPromptKind,
  type PinTry,
  type VirtualEcard,
  type VirtualEcardOptions,
  type VirtualReader,
} from '../../src/sim';

export interface ReaderInfo {
  readonly id: string;
  readonly name: string;
  readonly vendorId: number;
  readonly productId: number;
  /** 0x0B (Smart Card, protected in a normal page) or 0xFF (vendor class). */
  readonly interfaceClass: number;
  readonly pinpad: boolean;
}

/** What a scenario may do to the reader and the card. */
export interface DeviceSide {
  readonly reader: ReaderInfo;
  insertEcard(card: VirtualEcardOptions): Promise<void>;
  removeCard(): Promise<void>;
  press(keys: readonly PinPadKey[]): Promise<void>;
  /** The prompt on the PIN pad's display now (null: no PIN entry running). */
  pinpadPrompt(): Promise<PinPromptKind | null>;
  casUnblock(): Promise<'unblocked' | 'not-blocked'>;
  /** Every PIN command the card counted (VERIFY, CHANGE, RESET), oldest first. */
  ledger(): Promise<readonly PinTry[]>;
  /** Wrong PINs the card counted (a reset is not one). */
  triesConsumed(): Promise<number>;
  hasPin(pin: string): Promise<boolean>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

export class DeviceSideError extends Error {
  override readonly name = 'DeviceSideError';
}

/** The suite's client of the control API. */
export function httpDeviceSide(baseUrl: string, reader: ReaderInfo): DeviceSide {
  const at = (path: string) => new URL(`readers/${encodeURIComponent(reader.id)}/${path}`, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(at(path), {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new DeviceSideError(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  return {
    reader,
    insertEcard: async (card) => void (await call('POST', 'card', card)),
    removeCard: async () => void (await call('DELETE', 'card')),
    press: async (keys) => void (await call('POST', 'keys', { keys })),
    pinpadPrompt: async () => (await call<{ prompt: PinPromptKind | null }>('GET', 'pinpad')).prompt,
    casUnblock: async () => (await call<{ result: 'unblocked' | 'not-blocked' }>('POST', 'cas/unblock')).result,
    ledger: async () => (await call<{ tries: PinTry[] }>('GET', 'ledger')).tries,
    triesConsumed: async () => (await call<{ triesConsumed: number }>('GET', 'ledger')).triesConsumed,
    hasPin: async (pin) => (await call<{ matches: boolean }>('POST', 'pin-check', { pin })).matches,
    unplug: async () => void (await call('POST', 'unplug')),
    replug: async () => void (await call('POST', 'replug')),
  };
}

/**
 * Waits for the PIN pad to show a prompt (the page asked the reader for a PIN), then types
 * `digits` and OK on it, as the person at the desk does. Returns the prompt that was answered.
 */
export async function typeAtNextPrompt(device: DeviceSide, digits: string, timeoutMs = 30_000): Promise<PinPromptKind> {
  const prompt = await nextPrompt(device, timeoutMs);
  await device.press([...digits.split('') as PinPadKey[], 'ok']);
  return prompt;
}

/** Waits for the PIN pad to show a prompt, then presses Cancel on it. */
export async function cancelAtNextPrompt(device: DeviceSide, timeoutMs = 30_000): Promise<PinPromptKind> {
  const prompt = await nextPrompt(device, timeoutMs);
  await device.press(['cancel']);
  return prompt;
}

async function nextPrompt(device: DeviceSide, timeoutMs: number): Promise<PinPromptKind> {
  const started = performance.now();
  for (;;) {
    const prompt = await device.pinpadPrompt();
    if (prompt) return prompt;
    if (performance.now() - started > timeoutMs) throw new DeviceSideError(`no PIN pad prompt within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Lists the readers the control API offers. */
export async function listReaders(baseUrl: string): Promise<ReaderInfo[]> {
  const response = await fetch(new URL('readers', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`));
  if (!response.ok) throw new DeviceSideError(`GET /readers: ${response.status}`);
  return (await response.json()) as ReaderInfo[];
}

/** One reader the host controls: the virtual reader, and how its USB/IP export leaves and returns. */
export interface ControlledReader {
  readonly info: ReaderInfo;
  readonly reader: VirtualReader;
  /** The card in the slot at start, if any. */
  readonly card?: VirtualEcardOptions;
  unplug(): Promise<void>;
  replug(): Promise<void>;
}

export interface DeviceControl {
  readonly url: string;
  close(): Promise<void>;
}

const PIN_PAD_KEYS: ReadonlySet<string> = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'ok', 'cancel', 'correction']);

async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  const value: unknown = text ? JSON.parse(text) : {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DeviceSideError('the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Serves the control API for these readers (the host side; port 0: any free port). */
export async function startDeviceControl(readers: readonly ControlledReader[], options: { port?: number; host?: string } = {}): Promise<DeviceControl> {
  const state = new Map<string, { readonly controlled: ControlledReader; card: VirtualEcard | null; cas: CasConsole | null }>();
  for (const controlled of readers) {
    const card = controlled.card ? createVirtualEcard(controlled.card) : null;
    if (card) controlled.reader.insert(card);
    state.set(controlled.info.id, { controlled, card, cas: card ? createCasConsole(card) : null });
  }
  const routes = async (method: string, id: string, action: string, request: IncomingMessage): Promise<unknown> => {
    const entry = state.get(id);
    if (!entry) throw new DeviceSideError(`no reader ${id}`);
    const { reader } = entry.controlled;
    const needCard = () => {
      if (!entry.card || !entry.cas) throw new DeviceSideError(`reader ${id} has no card`);
      return { card: entry.card, cas: entry.cas };
    };
    switch (`${method} ${action}`) {
      case 'POST card': {
        const options = (await jsonBody(request)) as unknown as VirtualEcardOptions;
        reader.remove();
        entry.card = createVirtualEcard(options);
        entry.cas = createCasConsole(entry.card);
        reader.insert(entry.card);
        return {};
      }
      case 'DELETE card':
        reader.remove();
        entry.card = null;
        entry.cas = null;
        return {};
      case 'POST keys': {
        const keys = (await jsonBody(request))['keys'];
        if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && PIN_PAD_KEYS.has(k))) throw new DeviceSideError(`not PIN pad keys: ${JSON.stringify(keys)}`);
        if (!reader.pinpad) throw new DeviceSideError(`reader ${id} has no PIN pad`);
        for (const key of keys as PinPadKey[]) reader.pinpad.press(key);
        return {};
      }
      case 'GET pinpad':
        return { prompt: reader.pinpad?.prompt?.kind ?? null, digitsEntered: reader.pinpad?.digitsEntered ?? 0 };
      case 'POST cas/unblock':
        return { result: needCard().cas.unblock() };
      case 'GET ledger': {
        const { card } = needCard();
        return { tries: card.ledger, triesConsumed: card.triesConsumed() };
      }
      case 'POST pin-check': {
        const pin = (await jsonBody(request))['pin'];
        if (typeof pin !== 'string') throw new DeviceSideError('pin must be a string');
        return { matches: needCard().card.hasPin(pin) };
      }
      case 'POST unplug':
        await entry.controlled.unplug();
        return {};
      case 'POST replug':
        await entry.controlled.replug();
        return {};
      default:
        throw new DeviceSideError(`no route ${method} /readers/${id}/${action}`);
    }
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (request.method === 'GET' && path.length === 1 && path[0] === 'readers') return reply(200, readers.map((r) => r.info));
    const [root, id, ...action] = path;
    if (root !== 'readers' || !id || action.length === 0) return reply(404, { error: 'not found' });
    routes(request.method ?? 'GET', id, action.join('/'), request).then(
      (value) => reply(200, value),
      (error: unknown) => reply(error instanceof DeviceSideError ? 400 : 500, { error: String(error) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
