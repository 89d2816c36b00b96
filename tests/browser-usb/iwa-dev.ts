/**
 * Installing the app as an Isolated Web App in Chromium's developer mode, from a server on
 * 127.0.0.1 (scripts/serve-app.mjs --iwa), and opening it.
 *
 * Two routes reach the same install (Chromium's IsolatedWebAppDevInstallManager::
 * InstallIsolatedWebAppFromDevModeProxy):
 * - 'iwa-dev': chrome://iwa-dev's "Dev Mode Proxy" form, through its Mojo page handler
 *   (iwa_dev.mojom PageHandler.installAppFromDevProxy(url)). Chromium picks a random proxy-mode
 *   Web Bundle ID, so the app's origin is known only after the install.
 * - 'devtools': CDP PWA.install with a proxy-mode ID of our choosing (web-bundle-id.ts): the origin
 *   is known before Chromium starts, so the WebUSB policy written at boot can already name it.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { isolatedAppOrigin, proxyModeBundleId } from '../iwa/web-bundle-id';

export type DevProxyRoute = 'iwa-dev' | 'devtools';

/** The seed of the 'devtools' route's fixed ID: the same origin on every run and in every guest. */
export const SUITE_BUNDLE_SEED = 'ecard-pin tests/browser-usb';

export interface IsolatedAppInfo {
  readonly appId: string;
  readonly webBundleId: string;
  readonly name: string;
  readonly installedVersion: string;
  /** "http://127.0.0.1:port" for a dev-mode proxy install, null for a bundle. */
  readonly proxyOrigin: string | null;
}

export interface InstalledApp extends IsolatedAppInfo {
  readonly origin: string;
  readonly route: DevProxyRoute;
  /** From asking Chromium to install to the app being in its registry, ms. */
  readonly installMs: number;
}

/** The Mojo page handler of chrome://iwa-dev, as its own page script reaches it. */
const HANDLER = "(await import('chrome://iwa-dev/iwa_dev.mojom-webui.js')).browserProxyFactory.getInstance().handler";

interface RawAppInfo {
  appId: string;
  webBundleId: string;
  name: string;
  installedVersion: string;
  source: { proxyOrigin?: { scheme: string; host: string; port: number } | null };
}

async function iwaDevPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('chrome://iwa-dev');
  return page;
}

async function listApps(page: Page): Promise<IsolatedAppInfo[]> {
  const json = await page.evaluate<string>(`(async () => JSON.stringify((await ${HANDLER}.getInstalledAppsInfo()).apps))()`);
  return (JSON.parse(json) as RawAppInfo[]).map((app) => ({
    appId: app.appId,
    webBundleId: app.webBundleId,
    name: app.name,
    installedVersion: app.installedVersion,
    proxyOrigin: app.source.proxyOrigin ? `${app.source.proxyOrigin.scheme}://${app.source.proxyOrigin.host}:${app.source.proxyOrigin.port}` : null,
  }));
}

/** The Isolated Web Apps installed in this profile, as chrome://iwa-dev lists them. */
export async function installedIsolatedApps(context: BrowserContext): Promise<IsolatedAppInfo[]> {
  const page = await iwaDevPage(context);
  try {
    return await listApps(page);
  } finally {
    await page.close();
  }
}

export class IwaInstallError extends Error {
  override readonly name = 'IwaInstallError';
}

/** Installs the app served at `proxyUrl` (an origin, "http://127.0.0.1:port/") in developer mode. */
export async function installFromDevProxy(
  context: BrowserContext,
  proxyUrl: string,
  options: { readonly route?: DevProxyRoute; readonly webBundleId?: string } = {},
): Promise<InstalledApp> {
  const route = options.route ?? 'iwa-dev';
  const page = await iwaDevPage(context);
  try {
    const before = new Set((await listApps(page)).map((app) => app.webBundleId));
    const started = performance.now();
    let wanted: string | undefined;
    if (route === 'iwa-dev') {
      // A refusal rejects with mojo_base.mojom.Error {code, message}; a dropped request closes the pipe.
      const failure = await page.evaluate<string | null>(
        `(async () => { try { await ${HANDLER}.installAppFromDevProxy(${JSON.stringify(proxyUrl)}); return null; } catch (e) { return e?.message || 'no answer: the Mojo pipe was closed'; } })()`,
      );
      if (failure !== null) throw new IwaInstallError(`chrome://iwa-dev installAppFromDevProxy(${proxyUrl}): ${failure}`);
    } else {
      wanted = options.webBundleId ?? proxyModeBundleId(SUITE_BUNDLE_SEED);
      const session = await context.newCDPSession(page);
      try {
        await session.send('PWA.install', { manifestId: `${isolatedAppOrigin(wanted)}/`, installUrlOrBundleUrl: proxyUrl });
      } catch (error) {
        throw new IwaInstallError(`CDP PWA.install(${wanted} from ${proxyUrl}): ${(error as Error).message}`);
      } finally {
        await session.detach();
      }
    }
    const installMs = performance.now() - started;
    const apps = await listApps(page);
    const app = wanted ? apps.find((a) => a.webBundleId === wanted) : apps.find((a) => !before.has(a.webBundleId));
    if (!app) throw new IwaInstallError(`no new app in chrome://iwa-dev after installing from ${proxyUrl}`);
    return { ...app, origin: isolatedAppOrigin(app.webBundleId), route, installMs };
  } finally {
    await page.close();
  }
}

/** Opens the installed app in a tab of this profile (Chromium serves it from the proxy). */
export async function openIsolatedApp(context: BrowserContext, app: { readonly origin: string }): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${app.origin}/`);
  return page;
}

/** What the page is allowed, as Chromium applies the app's permissions policy. */
export async function permissionsOf(page: Page): Promise<{ usb: boolean; usbUnrestricted: boolean; crossOriginIsolated: boolean; protocol: string }> {
  return page.evaluate(() => {
    const policy = (document as Document & { featurePolicy?: { allowsFeature(f: string): boolean } }).featurePolicy;
    return {
      usb: policy?.allowsFeature('usb') ?? false,
      usbUnrestricted: policy?.allowsFeature('usb-unrestricted') ?? false,
      crossOriginIsolated,
      protocol: location.protocol,
    };
  });
}
