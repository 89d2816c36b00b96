/** Types of scripts/serve-app.mjs for the TypeScript tests (tests/browser-usb, tests/e2e). */
export declare const PAGE_HEADERS: Readonly<Record<string, string>>;
export interface ServeOptions {
  readonly root: string;
  /** Serve as the origin of an Isolated Web App (dev mode proxy): the bundle's headers and manifest. */
  readonly iwa?: boolean;
  /** With iwa: false drops usb-unrestricted from the manifest (the control case). Default true. */
  readonly usbUnrestricted?: boolean;
  /** 0 (default): any free port. */
  readonly port?: number;
  readonly host?: string;
}
export interface AppServer {
  readonly url: string;
  readonly port: number;
  /** "GET /path" for every request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}
export declare function serveApp(options: ServeOptions): Promise<AppServer>;
