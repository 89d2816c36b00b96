/**
 * The browser-usb scenarios: the built app in a real Chromium, its navigator.usb the browser's own
 * (nothing injected), as a plain page and as an Isolated Web App installed through the dev-mode
 * proxy. Scenarios that need a reader run only where a DeviceSide offers one (the QEMU guest with
 * readers over USB/IP); elsewhere they are skipped with the reason.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { isolatedAppOrigin, proxyModeBundleId } from '../iwa/web-bundle-id';
import type { RunningChromium } from './chromium';
import { httpDeviceSide, type DeviceSide, type ReaderInfo } from './device-side';
import { installFromDevProxy, openIsolatedApp, permissionsOf, SUITE_BUNDLE_SEED, type DevProxyRoute, type InstalledApp } from './iwa-dev';
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
} from './notice';
import { effectivePolicies, reloadUntilAllowed, removeManagedPolicy, webUsbAllowDevicesForUrls, writeManagedPolicy } from './policy';

/** The suite's IWA origins: fixed, so a policy written before Chromium starts can name them. */
export const SUITE_IWA_ORIGIN = isolatedAppOrigin(proxyModeBundleId(SUITE_BUNDLE_SEED));
export const SUITE_CONTROL_IWA_ORIGIN = isolatedAppOrigin(proxyModeBundleId(`${SUITE_BUNDLE_SEED} without usb-unrestricted`));

export interface SuiteEnvironment {
  readonly chromium: RunningChromium;
  /** The app as a plain page, e.g. http://127.0.0.1:4476/ (an origin the policy names). */
  readonly pageUrl: string;
  /** Dev-mode proxy origins: the app as built by build:iwa, and the same without usb-unrestricted. */
  readonly iwaProxyUrl: string;
  readonly controlIwaProxyUrl: string;
  /** The device control API (device-side.ts), or null where no reader can be attached. */
  readonly devicesUrl: string | null;
  readonly readers: readonly ReaderInfo[];
  /** Run the policy experiment (write, reload, check, remove): root only, changes /etc/chromium. */
  readonly policyExperiment: boolean;
  readonly screenshotsDir: string | null;
  /** Runs only the scenarios whose name contains this. */
  readonly only: string | null;
  readonly log: (line: string) => void;
}

export interface ScenarioResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly ms: number;
  /** Why it was skipped, or what failed. */
  readonly reason?: string;
  /** Figures for the report: timings, ledgers, origins. */
  readonly facts?: Readonly<Record<string, unknown>>;
}

/** How long Chromium must have run before a policy file written now is applied by a reload. */
const POLICY_SETTLE_MS = 8_000;

type Needs = (reader: ReaderInfo) => boolean;
const vendorClassPinpad: Needs = (r) => r.interfaceClass === 0xff && r.pinpad;
const smartCardClass: Needs = (r) => r.interfaceClass === 0x0b;
const smartCardClassPinpad: Needs = (r) => r.interfaceClass === 0x0b && r.pinpad;

interface Scenario {
  readonly name: string;
  /** Which reader it needs (it runs once per matching reader); none: runs once, with none. */
  readonly needs?: Needs;
  /** Runs on the first matching reader only. */
  readonly oneReader?: boolean;
  /** Skips it unless this says why not. */
  readonly unlessSkipped?: (env: SuiteEnvironment) => string | null;
  run(ctx: ScenarioContext): Promise<Record<string, unknown>>;
}

interface ScenarioContext {
  readonly env: SuiteEnvironment;
  readonly context: BrowserContext;
  readonly device: DeviceSide | null;
  /** Opens a tab on the app, as a page or as one of the installed IWAs. */
  open(where: 'page' | 'iwa' | 'control-iwa'): Promise<Page>;
  shot(page: Page, name: string): Promise<void>;
}

/** Installs done once per run, shared by the scenarios that open the IWA. */
interface Installs {
  iwa: InstalledApp | null;
  control: InstalledApp | null;
}

function needDevice(ctx: ScenarioContext): DeviceSide {
  if (!ctx.device) throw new Error('this scenario needs a reader');
  return ctx.device;
}

/** Steps 1–8 of the notice on each matching reader, in a page or in the IWA. */
function noticeOn(where: 'page' | 'iwa', readerKind: string, needs: Needs, newPin: string): Scenario {
  return {
    name: `${where}, ${readerKind}: the notice’s steps 1–8`,
    needs,
    run: async (ctx) => {
      const device = needDevice(ctx);
      await device.insertEcard({ state: 'blocked' });
      const page = await ctx.open(where);
      await readerListed(page);
      const result = await noticeSteps1to8(page, device, newPin);
      await ctx.shot(page, `${where}-${device.reader.id}-pin-changed`);
      await page.close();
      return { ...result };
    },
  };
}

/** A class-0x0B reader where Chrome protects it: the screen and its technical line. */
function protectedClassOn(where: 'page' | 'control-iwa', what: string, place: 'web-page' | 'isolated-app'): Scenario {
  return {
    name: `${where}, class-0x0B reader: ${what}`,
    needs: smartCardClass,
    oneReader: true,
    run: async (ctx) => {
      const page = await ctx.open(where);
      const facts = await protectedClassScreen(page, place);
      await ctx.shot(page, `${where}-protected-class`);
      await page.close();
      return facts;
    },
  };
}

function scenarios(installs: Installs): Scenario[] {
  const install = async (ctx: ScenarioContext, route: DevProxyRoute, which: 'iwa' | 'control') => {
    const proxy = which === 'iwa' ? ctx.env.iwaProxyUrl : ctx.env.controlIwaProxyUrl;
    const id = which === 'iwa' ? SUITE_IWA_ORIGIN : SUITE_CONTROL_IWA_ORIGIN;
    const app = await installFromDevProxy(ctx.context, proxy, route === 'devtools' ? { route, webBundleId: id.replace('isolated-app://', '') } : { route });
    return app;
  };
  const checkIwa = async (ctx: ScenarioContext, app: InstalledApp, unrestricted: boolean, shot: string) => {
    const page = await openIsolatedApp(ctx.context, app);
    await firstScreen(page);
    const permissions = await permissionsOf(page);
    await ctx.shot(page, shot);
    await page.close();
    if (permissions.protocol !== 'isolated-app:' || !permissions.crossOriginIsolated || !permissions.usb) {
      throw new Error(`not an isolated, cross-origin-isolated app with usb: ${JSON.stringify(permissions)}`);
    }
    if (permissions.usbUnrestricted !== unrestricted) throw new Error(`usb-unrestricted is ${permissions.usbUnrestricted ? '' : 'not '}allowed`);
    return permissions;
  };
  return [
    {
      name: 'page: first screen, with the browser’s own navigator.usb',
      run: async (ctx) => {
        const page = await ctx.open('page');
        const facts = await firstScreen(page);
        await ctx.shot(page, 'page-first-screen');
        await page.close();
        return facts;
      },
    },
    {
      name: 'page: no reader plugged in (getDevices lists none, the page says so)',
      unlessSkipped: (env) => (env.readers.length > 0 ? 'readers are attached here' : null),
      run: async (ctx) => {
        const page = await ctx.open('page');
        const facts = await noReaderYet(page);
        await page.close();
        return facts;
      },
    },
    {
      name: 'iwa: installed through chrome://iwa-dev’s Dev Mode Proxy; first screen; usb-unrestricted allowed',
      run: async (ctx) => {
        const app = await install(ctx, 'iwa-dev', 'iwa');
        const permissions = await checkIwa(ctx, app, true, 'iwa-first-screen');
        return { origin: app.origin, installMs: Math.round(app.installMs), ...permissions };
      },
    },
    {
      name: 'iwa: installed through CDP PWA.install with the suite’s fixed ID (origin known before Chromium starts)',
      run: async (ctx) => {
        installs.iwa = await install(ctx, 'devtools', 'iwa');
        if (installs.iwa.origin !== SUITE_IWA_ORIGIN) throw new Error(`installed as ${installs.iwa.origin}`);
        const permissions = await checkIwa(ctx, installs.iwa, true, 'iwa-devtools-first-screen');
        return { origin: installs.iwa.origin, installMs: Math.round(installs.iwa.installMs), ...permissions };
      },
    },
    {
      name: 'iwa without usb-unrestricted (control): installed; first screen; usb-unrestricted not allowed',
      run: async (ctx) => {
        installs.control = await install(ctx, 'devtools', 'control');
        const permissions = await checkIwa(ctx, installs.control, false, 'iwa-control-first-screen');
        return { origin: installs.control.origin, installMs: Math.round(installs.control.installMs), ...permissions };
      },
    },
    {
      name: 'policy: WebUsbAllowDevicesForUrls written while Chromium runs, applied by “Reload policies”',
      unlessSkipped: (env) =>
        !env.policyExperiment ? 'not asked (--policy-experiment, root: writes /etc/chromium/policies/managed)' : process.getuid?.() !== 0 ? 'not root' : null,
      run: async (ctx) => {
        // Written in Chromium's first seconds, the file was never applied, reload or not (seen on
        // this host at 0.5 and 1.5 s; applied when written at 3 s and later): let it settle first.
        const settle = Math.max(0, POLICY_SETTLE_MS - (performance.now() - ctx.env.chromium.startedAt));
        await new Promise((resolve) => setTimeout(resolve, settle));
        const before = await effectivePolicies(ctx.context);
        if (before['WebUsbAllowDevicesForUrls'] !== undefined) throw new Error('a WebUsbAllowDevicesForUrls policy is already set here; not touching it');
        const path = writeManagedPolicy(
          webUsbAllowDevicesForUrls([{ vendorId: 0x0c4b, productId: 0x0300 }], [ctx.env.pageUrl, SUITE_IWA_ORIGIN]),
          undefined,
          'ecard-pin-browser-usb-experiment.json',
        );
        try {
          const applied = await reloadUntilAllowed(ctx.context, SUITE_IWA_ORIGIN);
          return { file: path, waitedBeforeWriteMs: Math.round(settle), reloadToAppliedMs: Math.round(applied.ms), reloadPresses: applied.clicks };
        } finally {
          removeManagedPolicy(path);
        }
      },
    },
    noticeOn('page', 'vendor-class PIN-pad reader', vendorClassPinpad, '4821'),
    {
      name: 'page, vendor-class PIN-pad reader: a wrong PIN costs one try, Cancel none, the last try asks first',
      needs: vendorClassPinpad,
      oneReader: true,
      run: async (ctx) => {
        const device = needDevice(ctx);
        await device.insertEcard({ state: 'active', pin: '7395' });
        const page = await ctx.open('page');
        await readerListed(page);
        await openPatients(page);
        const wrong = await wrongPinCostsOneTry(page, device, '1111');
        const cancel = await cancelCostsNothing(page, device);
        await lastTryAsksFirst(page, device, '7395');
        await page.close();
        return { wrong, cancel };
      },
    },
    protectedClassOn('page', 'claimInterface → SecurityError → the protected-class screen', 'web-page'),
    noticeOn('iwa', 'class-0x0B PIN-pad reader', smartCardClassPinpad, '5937'),
    protectedClassOn('control-iwa', 'the protected-class screen worded for an IWA without usb-unrestricted', 'isolated-app'),
    {
      name: 'iwa, class-0x0B PIN-pad reader unplugged during Schimbă PIN eCard, then plugged back',
      needs: smartCardClassPinpad,
      oneReader: true,
      run: async (ctx) => {
        const device = needDevice(ctx);
        const page = await ctx.open('iwa');
        await readerListed(page);
        await openPatients(page);
        const result = await unplugDuringChange(page, device, '2468', '1357');
        await ctx.shot(page, 'iwa-replugged');
        await page.close();
        return { ...result };
      },
    },
  ];
}

/** Runs every scenario in order; one scenario's failure does not stop the next. */
export async function runSuite(env: SuiteEnvironment): Promise<ScenarioResult[]> {
  const installs: Installs = { iwa: null, control: null };
  const { context } = env.chromium;
  const plugged = new Set(env.readers.map((r) => r.id));
  const devices = new Map(env.readers.map((r) => [r.id, env.devicesUrl ? httpDeviceSide(env.devicesUrl, r) : null]));
  /** The app allows one reader at a time (-10 otherwise): only the scenario's reader stays plugged. */
  const only = async (reader: ReaderInfo) => {
    for (const other of env.readers) {
      if (other.id !== reader.id && plugged.has(other.id)) {
        await devices.get(other.id)?.unplug();
        plugged.delete(other.id);
      }
    }
    if (!plugged.has(reader.id)) {
      await devices.get(reader.id)?.replug();
      plugged.add(reader.id);
    }
  };
  if (env.screenshotsDir) mkdirSync(env.screenshotsDir, { recursive: true });
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios(installs)) {
    if (env.only && !scenario.name.includes(env.only)) continue;
    const skip = scenario.unlessSkipped?.(env) ?? null;
    const matching = scenario.needs ? env.readers.filter(scenario.needs) : [null];
    const targets = scenario.oneReader ? matching.slice(0, 1) : matching;
    if (skip || targets.length === 0) {
      results.push({ name: scenario.name, status: 'skipped', ms: 0, reason: skip ?? 'no such reader attached here' });
      env.log(`skip  ${scenario.name} — ${skip ?? 'no such reader attached here'}`);
      continue;
    }
    for (const reader of targets) {
      const name = reader ? `${scenario.name} [${reader.name} ${hex4(reader.vendorId)}:${hex4(reader.productId)}]` : scenario.name;
      const started = performance.now();
      try {
        if (reader) await only(reader);
        const ctx: ScenarioContext = {
          env,
          context,
          device: reader ? (devices.get(reader.id) ?? null) : null,
          open: async (where) => {
            const page = await context.newPage();
            const app = where === 'page' ? null : where === 'iwa' ? installs.iwa : installs.control;
            if (where !== 'page' && !app) throw new Error(`the ${where} was not installed (its install scenario failed)`);
            await page.goto(app ? `${app.origin}/` : env.pageUrl);
            return page;
          },
          shot: async (page, shotName) => {
            if (env.screenshotsDir) await page.screenshot({ path: join(env.screenshotsDir, `${shotName}.png`), fullPage: true });
          },
        };
        const facts = await scenario.run(ctx);
        const ms = performance.now() - started;
        results.push({ name, status: 'passed', ms, facts });
        env.log(`ok    ${name} (${(ms / 1000).toFixed(1)} s) ${JSON.stringify(facts)}`);
      } catch (error) {
        const ms = performance.now() - started;
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        results.push({ name, status: 'failed', ms, reason });
        env.log(`FAIL  ${name} (${(ms / 1000).toFixed(1)} s) — ${reason}`);
      }
    }
  }
  return results;
}

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** The policy the guest writes at boot: every reader, the page's origin and both suite IWAs. */
export function suitePolicy(readers: readonly ReaderInfo[], pageUrl: string): object {
  return webUsbAllowDevicesForUrls(readers, [pageUrl, SUITE_IWA_ORIGIN, SUITE_CONTROL_IWA_ORIGIN]);
}
