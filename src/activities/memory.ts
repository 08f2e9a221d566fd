/**
 * Returning a finished stage's memory to the system. The activities that run on the worker's
 * main thread (extract, write-back) build large short-lived data there: rows parsed from
 * Trino's pages, columns, ids. Once the activity returns they are garbage, but V8 collects its old
 * generation only under allocation pressure, and the main thread then mostly idles between
 * workflow tasks: the garbage (200 MB and more for 1.5M rows) would stay resident through the
 * later stages and add to their peak. So such an activity asks for one full collection right
 * after it returns ({@link collectingAfter}); a pool thread (threadPool.ts) collects after each
 * job ({@link collectNow}), as its jobs' matrices and WebAssembly memories would otherwise stay
 * until its next job.
 *
 * `gc` is V8's own, reached as Jest does for its leak detection: the --expose-gc flag set at run
 * time, and the function taken from a fresh context. Where that is refused, nothing happens.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;
let looked = false;

function fullCollection(): (() => void) | undefined {
  if (!looked) {
    looked = true;
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = undefined;
    }
  }
  return gc;
}

/** One full garbage collection on this thread, now (nothing when V8 refused the flag). */
export function collectNow(): void {
  fullCollection()?.();
}

/** `activity`, then one full garbage collection on this thread a macrotask after it settled (its locals are garbage by then). */
export function collectingAfter<T>(activity: Promise<T>): Promise<T> {
  return activity.finally(() => {
    if (fullCollection() !== undefined) setTimeout(collectNow, 0).unref();
  });
}
