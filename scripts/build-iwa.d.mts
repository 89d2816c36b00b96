/** Types of scripts/build-iwa.mjs for the TypeScript tests (tests/iwa). */
import type { KeyObject } from 'node:crypto';

export declare const OUT_DIR: string;
export declare const MANIFEST_PATH: string;
export declare const IWA_HEADERS: Readonly<Record<string, string>>;
export declare const CONTENT_TYPES: Readonly<Record<string, string>>;
export declare const ICON_SOURCE: string;
export declare function iwaManifest(options?: { usbUnrestricted?: boolean }): Record<string, unknown>;
export declare function buildIwaApp(appDir: string): Promise<void>;
export declare function packWebBundle(appDir: string): Uint8Array;
export declare function signWebBundle(
  webBundle: Uint8Array,
  privateKey: KeyObject,
): Promise<{ signedBundle: Uint8Array; webBundleId: string; origin: string }>;
export declare function resolveSigningKey(
  env: NodeJS.ProcessEnv,
  outDir: string,
): { privateKey: KeyObject; development: boolean; source: string };
