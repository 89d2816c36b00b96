/**
 * How a suite running inside the QEMU guest reports: one line per test, `<PREFIX>-TEST ok <name> —
 * <detail>` or `<PREFIX>-TEST FAIL <name> — <why>`, which the host script counts, and a final
 * `<PREFIX>-SUITE` line. A failing test prints the lines its `context()` gives (e.g. the driver's
 * recent USB log) to explain itself.
 */
export interface GuestReport {
  /** Runs one test; resolves to whether it passed. */
  test(name: string, body: () => Promise<string | void>, context?: () => readonly string[]): Promise<boolean>;
  /** A data line for the host (`<PREFIX>-<KIND> <json>`). */
  data(kind: string, value: unknown): void;
  readonly passed: number;
  readonly failed: number;
  /** Prints the summary line and sets the exit code (1 when a test failed). */
  finish(extra?: string): void;
}

export function createGuestReport(prefix: string): GuestReport {
  let passed = 0;
  let failed = 0;
  return {
    async test(name, body, context) {
      try {
        const detail = await body();
        passed++;
        console.log(`${prefix}-TEST ok ${name}${detail ? ` — ${detail}` : ''}`);
        return true;
      } catch (error) {
        failed++;
        console.log(`${prefix}-TEST FAIL ${name} — ${describeError(error)}`);
        for (const line of context?.() ?? []) console.log(`  ${line}`);
        return false;
      }
    },
    data(kind, value) {
      console.log(`${prefix}-${kind} ${JSON.stringify(value)}`);
    },
    get passed() {
      return passed;
    },
    get failed() {
      return failed;
    },
    finish(extra) {
      console.log(`${prefix}-SUITE ${passed} passed, ${failed} failed${extra ? `; ${extra}` : ''}`);
      process.exitCode = failed === 0 ? 0 : 1;
    },
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(what);
}
