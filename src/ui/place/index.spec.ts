import { describe, expect, it } from 'vitest';
import { appPlace, type PermissionsPolicyProbe } from '.';

const allowing = (...features: string[]): PermissionsPolicyProbe => ({ allowsFeature: (f) => features.includes(f) });

describe('where the app runs', () => {
  it('a page over https or http (localhost) is a web page, whatever its permissions policy says', () => {
    expect(appPlace('https:', allowing('usb', 'usb-unrestricted'))).toBe('web-page');
    expect(appPlace('http:', undefined)).toBe('web-page');
  });

  it('an Isolated Web App granted usb-unrestricted', () => {
    expect(appPlace('isolated-app:', allowing('usb', 'usb-unrestricted'))).toBe('isolated-app-unrestricted');
  });

  it('an Isolated Web App without usb-unrestricted, or whose browser cannot say', () => {
    expect(appPlace('isolated-app:', allowing('usb'))).toBe('isolated-app');
    expect(appPlace('isolated-app:', undefined)).toBe('isolated-app');
  });
});
