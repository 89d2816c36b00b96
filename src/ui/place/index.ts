/**
 * Where the app runs, as far as Chrome's protection of the smart card class goes: a normal page can
 * never claim a class-0x0B interface (WebUSB §"protected interface classes"); an Isolated Web App
 * can when its manifest grants `usb-unrestricted` and Chrome honours it (Unrestricted WebUSB
 * explainer, WICG/webusb). The app words the protected-class screen by this, and main.tsx decides
 * it once from what the browser says, never from a guess.
 */
import { createContext } from 'preact';

export type AppPlace =
  /** A normal page (https:// or localhost). */
  | 'web-page'
  /** An Isolated Web App whose permissions policy lacks `usb-unrestricted`. */
  | 'isolated-app'
  /** An Isolated Web App that Chrome allows `usb-unrestricted`. */
  | 'isolated-app-unrestricted';

/** `document.featurePolicy` (Chrome) or `document.permissionsPolicy`: allowsFeature is all we ask. */
export interface PermissionsPolicyProbe {
  allowsFeature(feature: string): boolean;
}

/** The scheme Chrome serves Isolated Web Apps from (WICG/isolated-web-apps, Scheme.md). */
export const ISOLATED_APP_PROTOCOL = 'isolated-app:';

export function appPlace(protocol: string, policy: PermissionsPolicyProbe | undefined): AppPlace {
  if (protocol !== ISOLATED_APP_PROTOCOL) return 'web-page';
  return policy?.allowsFeature('usb-unrestricted') === true ? 'isolated-app-unrestricted' : 'isolated-app';
}

export const AppPlaceContext = createContext<AppPlace>('web-page');
