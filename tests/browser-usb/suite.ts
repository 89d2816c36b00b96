/**
 * The browser-usb scenarios: the built app in a real Chromium, its navigator.usb the browser's own
 * (nothing injected), as a plain page and as an Isolated Web App installed through the dev-mode
 * proxy, with corpus readers plugged into the QEMU guest's kernel over USB/IP (guest-desk.ts), one
 * at a time (the app serves one reader; two → -10). Runs in the guest, in one process with the
 * readers, the app's servers and Chromium.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { VirtualEcardOptions } from '../../src/sim';
import { isolatedAppOrigin, proxyModeBundleId } from '../iwa/web-bundle-id';
import type { GuestDesk } from './guest-desk';
import { installFromDevProxy, openIsolatedApp, permissionsOf, SUITE_BUNDLE_SEED, type InstalledApp } from './iwa-dev';
import {
  cancelCostsNothing,
  firstScreen,
  lastTryAsksFirst,
  noReaderYet,
  noticeSteps1to8,
  openPatients,
  protectedClassScreen,
  readerListed,
  unplugDuringChange,
  wrongPinCostsOneTry,
  type UnplugMoment,
} from './notice';
import type { ReaderSide } from './reader-side';

/** The suite's IWA origins: fixed, so the policy written before Chromium starts can name them. */
export const SUITE_IWA_ID = proxyModeBundleId(SUITE_BUNDLE_SEED);
export const SUITE_CONTROL_IWA_ID = proxyModeBundleId(`${SUITE_BUNDLE_SEED} without usb-unrestricted`);

/** The readers (corpus files, ../shared/ccid-readers). */
export const READERS = {
  /** Cherry SmartTerminal ST-2xxx 046A:003E: CCID on a vendor-class (0xFF) interface, TPDU, PIN pad. */
  vendorClassPinpad: 'CherrySmartTerminalST2XXX.txt',
  /** Gemalto GemPC Pinpad 08E6:3478: class 0x0B, TPDU (T=1 on the wire), PIN pad. */
  gemPcPinpad: 'GemPCPinpad.txt',
  /** OMNIKEY CardMan 3821 076B:3821: class 0x0B, short APDU, PIN pad. */
  cardMan3821: 'CardMan3821.txt',
} as const;

export interface SuiteEnvironment {
  readonly context: BrowserContext;
  readonly desk: GuestDesk;
  /** The app as a plain page, http://127.0.0.1:<port>/ (an origin the policy names). */
  readonly pageUrl: string;
  /** Dev-mode proxy origins: the app as built by build:iwa, and the same without usb-unrestricted. */
  readonly iwaProxyUrl: string;
  readonly controlIwaProxyUrl: string;
  /** Where PNGs of the screens go (null: none), numbered in the order taken. */
  readonly screenshotsDir: string | null;
  /** Runs only the scenarios whose name contains one of these (and the IWA installs they need). */
  readonly only: readonly string[] | null;
  /** A time for the report, ms. */
  readonly time: (what: string, ms: number) => void;
  /** A line for the report that is neither a pass nor a failure. */
  readonly note: (line: string) => void;
  /** Reports one scenario: its body's facts, or its failure. */
  readonly test: (name: string, body: () => Promise<Record<string, unknown>>) => Promise<boolean>;
}

type Where = 'page' | 'iwa' | 'control-iwa';

interface ScenarioContext {
  readonly device: ReaderSide | null;
  /** Opens a tab on the app, as a page or as one of the installed IWAs. */
  open(where: Where): Promise<Page>;
  shot(page: Page, name: string): Promise<void>;
}

interface Scenario {
  readonly name: string;
  /** Where it opens the app; an install scenario: the app it installs. */
  readonly opens: Where;
  readonly installs?: boolean;
  /** The reader plugged in alone for it, with its card; 'none': every reader out; absent: as it is. */
  readonly reader?: { readonly file: string; readonly card: VirtualEcardOptions | null } | 'none';
  run(ctx: ScenarioContext): Promise<Record<string, unknown>>;
}

function needDevice(ctx: ScenarioContext): ReaderSide {
  if (!ctx.device) throw new Error('this scenario needs a reader');
  return ctx.device;
}

/** Steps 1–8 of the notice on a PIN-pad reader with a blocked eCard in it. */
function noticeOn(where: 'page' | 'iwa', file: string, what: string, newPin: string, shotPrefix: string): Scenario {
  return {
    name: `${where}, ${what}: the notice’s steps 1–8`,
    opens: where,
    reader: { file, card: { state: 'blocked' } },
    run: async (ctx) => {
      const device = needDevice(ctx);
      const page = await ctx.open(where);
      await readerListed(page);
      const result = await noticeSteps1to8(page, device, newPin, (name) => ctx.shot(page, `${shotPrefix}-${name}`));
      return { ...result };
    },
  };
}

/** A class-0x0B reader where Chrome protects it: the screen and its technical line. */
function protectedClassOn(where: 'page' | 'control-iwa', what: string, place: 'web-page' | 'isolated-app'): Scenario {
  return {
    name: `${where}, class-0x0B reader (CardMan 3821): ${what}`,
    opens: where,
    reader: { file: READERS.cardMan3821, card: { state: 'active' } },
    run: async (ctx) => {
      const page = await ctx.open(where);
      const facts = await protectedClassScreen(page, place);
      await ctx.shot(page, `${where}-protected-class`);
      return facts;
    },
  };
}

/** The reader unplugged during Schimbă PIN eCard in the IWA, then plugged back. */
function unplugOn(file: string, what: string, moment: UnplugMoment, when: string, shotPrefix: string): Scenario {
  return {
    name: `iwa, ${what} unplugged during Schimbă PIN eCard (${when}), then plugged back`,
    opens: 'iwa',
    reader: { file, card: { state: 'active', pin: '2468' } },
    run: async (ctx) => {
      const device = needDevice(ctx);
      const page = await ctx.open('iwa');
      await readerListed(page);
      await openPatients(page);
      const result = await unplugDuringChange(page, device, '2468', '1357', moment, (name) => ctx.shot(page, `${shotPrefix}-${name}`));
      return { ...result, ledger: await device.ledger() };
    },
  };
}

function scenarios(installs: { iwa: InstalledApp | null; control: InstalledApp | null }, env: SuiteEnvironment): Scenario[] {
  const install = async (which: 'iwa' | 'control', ctx: ScenarioContext) => {
    const unrestricted = which === 'iwa';
    const app = await installFromDevProxy(env.context, unrestricted ? env.iwaProxyUrl : env.controlIwaProxyUrl, {
      route: 'devtools',
      webBundleId: unrestricted ? SUITE_IWA_ID : SUITE_CONTROL_IWA_ID,
    });
    installs[which] = app;
    env.time(`${unrestricted ? 'IWA' : 'control IWA'} install (CDP PWA.install from the dev-mode proxy)`, app.installMs);
    const page = await ctx.open(unrestricted ? 'iwa' : 'control-iwa');
    await firstScreen(page);
    const permissions = await permissionsOf(page);
    await ctx.shot(page, `${unrestricted ? 'iwa' : 'control-iwa'}-first-screen`);
    if (permissions.protocol !== 'isolated-app:' || !permissions.crossOriginIsolated || !permissions.usb) {
      throw new Error(`not an isolated, cross-origin-isolated app with usb: ${JSON.stringify(permissions)}`);
    }
    if (permissions.usbUnrestricted !== unrestricted) throw new Error(`usb-unrestricted is ${permissions.usbUnrestricted ? '' : 'not '}allowed`);
    return { origin: app.origin, installMs: Math.round(app.installMs), ...permissions };
  };
  return [
    {
      name: 'page: first screen with the browser’s own navigator.usb; no reader (getDevices lists none, the page says so)',
      opens: 'page',
      reader: 'none',
      run: async (ctx) => {
        const page = await ctx.open('page');
        const facts = await firstScreen(page);
        const none = await noReaderYet(page);
        await ctx.shot(page, 'page-no-reader');
        return { ...facts, ...none };
      },
    },
    noticeOn('page', READERS.vendorClassPinpad, 'vendor-class PIN-pad reader (Cherry ST-2xxx 046A:003E)', '4821', 'page-cherry'),
    {
      name: 'page, vendor-class PIN-pad reader (Cherry ST-2xxx): a wrong PIN costs one try, Cancel none, the last try asks first',
      opens: 'page',
      reader: { file: READERS.vendorClassPinpad, card: { state: 'active', pin: '7395' } },
      run: async (ctx) => {
        const device = needDevice(ctx);
        const page = await ctx.open('page');
        await readerListed(page);
        await openPatients(page);
        const wrong = await wrongPinCostsOneTry(page, device, '1111');
        const cancel = await cancelCostsNothing(page, device);
        const ledger = await device.ledger(); // this card's; the last try comes on another one
        await lastTryAsksFirst(page, device, '7395', (name) => ctx.shot(page, `page-cherry-${name}`));
        return { wrong, cancel, ledger };
      },
    },
    protectedClassOn('page', 'claimInterface → SecurityError → the protected-class screen', 'web-page'),
    {
      name: 'iwa: installed through the dev-mode proxy (CDP PWA.install, the suite’s fixed ID); first screen; usb-unrestricted allowed',
      opens: 'iwa',
      installs: true,
      run: (ctx) => install('iwa', ctx),
    },
    {
      name: 'control iwa without usb-unrestricted: installed the same way; first screen; usb-unrestricted not allowed',
      opens: 'control-iwa',
      installs: true,
      run: (ctx) => install('control', ctx),
    },
    noticeOn('iwa', READERS.gemPcPinpad, 'class-0x0B PIN-pad reader, TPDU T=1 (GemPC Pinpad 08E6:3478)', '5937', 'iwa-gempc'),
    noticeOn('iwa', READERS.cardMan3821, 'class-0x0B PIN-pad reader, short APDU (CardMan 3821 076B:3821)', '6048', 'iwa-cardman'),
    protectedClassOn('control-iwa', 'the protected-class screen worded for an IWA without usb-unrestricted', 'isolated-app'),
    unplugOn(READERS.gemPcPinpad, 'GemPC Pinpad', 'pinpad-waits-for-new-pin', 'the PIN pad waiting for the new PIN', 'iwa-gempc'),
    unplugOn(READERS.cardMan3821, 'CardMan 3821', 'after-the-card-command', 'right after the card counted the CHANGE', 'iwa-cardman'),
  ];
}

/** Runs every scenario in order; one scenario's failure does not stop the next. */
export async function runSuite(env: SuiteEnvironment): Promise<void> {
  const installs: { iwa: InstalledApp | null; control: InstalledApp | null } = { iwa: null, control: null };
  let shots = 0;
  const all = scenarios(installs, env);
  const only = env.only;
  const chosen = only ? all.filter((s) => only.some((text) => s.name.includes(text))) : all;
  const needed = (s: Scenario) => chosen.includes(s) || (s.installs && chosen.some((c) => c.opens === s.opens));
  for (const scenario of all.filter(needed)) {
    const pages: Page[] = [];
    await env.test(scenario.name, async () => {
      const device =
        scenario.reader === 'none' ? (await env.desk.clear(), null)
        : scenario.reader ? await env.desk.plug(scenario.reader.file, scenario.reader.card)
        : env.desk.current;
      try {
        return await scenario.run({
          device,
          open: async (where) => {
            const app = where === 'page' ? null : where === 'iwa' ? installs.iwa : installs.control;
            if (where !== 'page' && !app) throw new Error(`the ${where} is not installed (its install failed)`);
            const page = app ? await openIsolatedApp(env.context, app) : await env.context.newPage();
            pages.push(page);
            if (!app) await page.goto(env.pageUrl);
            return page;
          },
          shot: async (page, name) => {
            if (!env.screenshotsDir) return;
            const file = join(env.screenshotsDir, `${String(++shots).padStart(2, '0')}-${name}.png`);
            // A picture is for the docs, not a check: one that cannot be taken is noted, not failed.
            await wholePage(page, file).catch((error: unknown) => env.note(`no screenshot ${name}: ${String(error).split('\n')[0]}`));
          },
        });
      } finally {
        // A page left open keeps the reader claimed: the next scenario's page could not have it.
        await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
      }
    });
  }
}

/**
 * A picture of the whole page: the viewport grown to the page's height for it. Playwright's
 * full-page capture failed under TCG on several screens ("Unable to capture screenshot"), twice
 * taking Chromium down with it, and showed a modal dialog's backdrop cut at the viewport's edge.
 */
async function wholePage(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 720 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 4000) });
  try {
    await page.screenshot({ path });
  } finally {
    await page.setViewportSize(viewport);
  }
}

/** The origins the policy names: the page's and both suite IWAs'. */
export function suiteOrigins(pageUrl: string): string[] {
  return [pageUrl, isolatedAppOrigin(SUITE_IWA_ID), isolatedAppOrigin(SUITE_CONTROL_IWA_ID)];
}
