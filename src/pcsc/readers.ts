/**
 * The readers of the PC/SC stack, kept up to date: listed now, and again whenever one comes or goes.
 * The pseudo-reader "\\?PnP?\Notification" (spec README, "Reacting to reader availability") wakes a
 * getStatusChange() on such a change; pcsc-lite 1.9 answers it only for changes during the call (an
 * UNAWARE state does not return at once), so the list is read first, then the change awaited. Where
 * the stack refuses the pseudo-reader, the list is read again every `pollMs`.
 */
import { pcscError, type PcscError } from './errors';
import { PNP_NOTIFICATION, type SmartCardContext } from './web-smart-card';

export interface ReaderListWatch {
  stop(): void;
}

export function watchReaderList(
  context: SmartCardContext,
  onList: (names: readonly string[]) => void,
  onError: (error: PcscError) => void,
  pollMs = 2000,
): ReaderListWatch {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  const next = async (): Promise<void> => {
    let names: string[];
    try {
      names = await context.listReaders();
    } catch (error) {
      if (!abort.signal.aborted) onError(pcscError('list readers', error));
      return;
    }
    if (abort.signal.aborted) return;
    onList(names);
    if (!polling) {
      try {
        await context.getStatusChange([{ readerName: PNP_NOTIFICATION, currentState: {}, currentCount: names.length }], { signal: abort.signal });
        return next();
      } catch {
        if (abort.signal.aborted) return;
        polling = true;
      }
    }
    timer = setTimeout(() => void next(), pollMs);
  };
  void next();
  return {
    stop() {
      abort.abort();
      clearTimeout(timer);
    },
  };
}
