/**
 * Code the first screen does not need, loaded once on demand: the reader list, the Pacienți desk,
 * the page "Ce face aplicația". A view asks for the module when it is wanted and renders without
 * it until then; once loaded it is there at once, also for views mounted later.
 */
import { useEffect, useState } from 'preact/hooks';

export interface LazyModule<M> {
  /** Starts loading (once); a failed load (e.g. offline before the worker cached it) may be retried. */
  load(): Promise<M>;
  /** The module, or null while it has not loaded. */
  current(): M | null;
}

export function lazyModule<M>(importer: () => Promise<M>): LazyModule<M> {
  let loading: Promise<M> | null = null;
  let loaded: M | null = null;
  return {
    load: () =>
      (loading ??= importer().then(
        (module) => (loaded = module),
        (error: unknown) => {
          loading = null;
          throw error;
        },
      )),
    current: () => loaded,
  };
}

/** Loads `module` when `wanted`; returns it once it has loaded (whether still wanted or not), else null. */
export function useLazyModule<M>(module: LazyModule<M>, wanted: boolean): M | null {
  const [, loadedNow] = useState(0);
  useEffect(() => {
    if (!wanted || module.current()) return;
    let live = true;
    module.load().then(
      () => live && loadedNow((n) => n + 1),
      () => undefined, // nothing to show without it; the next time it is wanted it loads again
    );
    return () => void (live = false);
  }, [module, wanted]);
  return module.current();
}
