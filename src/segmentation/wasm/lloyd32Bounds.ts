/**
 * The float32-screened Lloyd assignment of lloyd32.ts with Hamerly-style distance bounds
 * (bounds.ts), so rows whose label cannot change skip their distances. Used for wide shapes
 * only: the bounds' extra passes cost a few operations and a re-read of every row, which pays
 * when the distances (d x k) dominate and not when they are cheap (measured: 10,000 x 264,
 * k = 10: 11.2 -> 9.2 ms per iteration on uniform data, 69% of rows skipped on the wide bench
 * data; 1M x 20, k = 8: 46 ms single pass vs 48 ms with bounds).
 */
import { boundCheck, boundRefresh, boundReset, type BoundLocals, type RowPtrs } from './bounds';
import { storeLabelAndAdd, type KernelShape } from './common';
import { FnBuilder } from './encoder';
import { HEADER, hmin, loadHeader, loadScreenThreshold, quadsOf, rowsPerGroup, screenDistances, screenLocals, screenRow } from './lloyd32';
import { listedRow, listGroups, rowLoop as rowLoopOver, writeSlot, rowListLocals } from './rowLists';
import { addSparseRow, rowRecords, screenSparse, type SparseLocals } from './sparseRows';

/** Whether the bounds pay for k centroids of d features: d * (centroid quads) >= 128, a guess between the two measured shapes. */
export function useBounds(k: number, d: number): boolean {
  return d * quadsOf(k) >= 128;
}

/**
 * lloyd32 with distance bounds (bounds.ts), for shapes where distances dominate (see
 * {@link useBounds}): the float64 kernel's contract (kernels.ts lloydFn), in three passes over the rows [start, end):
 *  1. the bounds (bounds.ts) of every row; rows that may not keep their label go to a to-do list
 *     (the block's own slots of the `todo` region, so threads never share one);
 *  2. the to-do rows, R at a time (each centroid quad loaded once for R rows): float32
 *     screening, float64 recomputation of near-ties (`exactIndex`: module index of exactRow),
 *     new bounds, label;
 *  3. every row added to sums[label] and counts[label] in row order, so the sums are those of
 *     the float64 kernel bit for bit.
 * When the header holds the rows' non-zeros (sparseRows.ts), passes 2 and 3 read those instead
 * of the dense rows, one to-do row at a time: the same labels, bounds, sums and counts.
 */
export function lloyd32BoundsFn({ k, d }: KernelShape, exactIndex: number): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], 'i32');
  const [x, cl, lab, start, end, sums, counts] = [0, 1, 2, 3, 4, 5, 6];
  const Q = quadsOf(k);
  const R = rowsPerGroup(k);
  const i32 = (): number => f.local('i32');
  const list = rowListLocals(f, start);
  const { i, cnt, todo } = list;
  const cf = i32();
  const changed = i32();
  const best = i32();
  const so = i32();
  const bits = i32();
  const base = { x32: i32(), nx: i32(), ub: i32(), lb: i32(), nsq: i32(), records: i32(), rowStart: i32() };
  // the sparse screening uses two accumulator sets (sparseRows.ts)
  const screen = screenLocals(f, Math.max(R, 2), Q, cf, bits);
  const S: SparseLocals = { rec: i32(), recEnd: i32(), at: i32() };
  const countAt = i32();
  const { alpha, beta, m, t, acc } = screen;
  const sec = f.local('v128');
  const inf = f.local('v128');
  // per row of a group: row index and pointers (x64 row, x32 row, bounds)
  const rowPtrs = (): RowPtrs & { xo: number; x32o: number; ir: number } => ({ ir: i32(), xo: i32(), x32o: i32(), lp: i32(), ubp: i32(), lbp: i32(), nsqp: i32(), np: i32() });
  const P = Array.from({ length: R }, rowPtrs);
  const B: BoundLocals = { dl: i32(), alpha, beta, a: i32(), u: f.local('f64'), l: f.local('f64'), tr: f.local('f64'), skip: i32() };
  f.f32(Infinity).op('f32x4.splat').set(inf);
  loadHeader(f, [
    [base.x32, HEADER.x32],
    [base.nx, HEADER.nx],
    [base.ub, HEADER.ub],
    [base.lb, HEADER.lb],
    [base.nsq, HEADER.nsq],
    [B.dl, HEADER.dl],
    [cf, HEADER.cf],
    [todo, HEADER.todo],
    [base.records, HEADER.records],
    [base.rowStart, HEADER.rowStart],
  ]);
  loadScreenThreshold(f, screen, d, Q);
  /** Sets the pointers of P[r] from the row index on the stack. */
  const pointTo = (r: number): void => {
    const p = P[r];
    f.set(p.ir);
    for (const [loc, b, bytes] of [
      [p.xo, x, 8 * d],
      [p.x32o, base.x32, 4 * d],
      [p.lp, lab, 4],
      [p.np, base.nx, 4],
      [p.ubp, base.ub, 8],
      [p.lbp, base.lb, 8],
      [p.nsqp, base.nsq, 8],
    ])
      f.get(b).get(p.ir).i32(bytes).op('i32.mul').op('i32.add').set(loc);
  };
  const rowLoop = (body: () => void): void => rowLoopOver(f, i, start, end, body);

  // pass 1: bounds; todo[start + cnt] = i for every row to compute
  rowLoop(() => {
    f.get(i);
    pointTo(0);
    f.i32(1).set(B.skip);
    boundCheck(f, B, P[0], k);
    writeSlot(f, list, i);
    f.get(cnt).i32(1).op('i32.add').get(B.skip).op('i32.sub').set(cnt);
  });
  // counted for benchmarks only (threads may race on it; results never read it)
  f.i32(0).i32(0).mem('i32.load', HEADER.skips).get(end).get(start).op('i32.sub').get(cnt).op('i32.sub').op('i32.add').mem('i32.store', HEADER.skips);

  // pass 2: the to-do rows, `rows` at a time (one at a time from the non-zeros: `sparse`)
  const computed = (rows: number, sparse: boolean): void => {
    for (let r = 0; r < rows; r++) {
      listedRow(f, list, r);
      pointTo(r);
    }
    // the to-do rows are scattered: each through its own pointers
    if (sparse) {
      rowRecords(f, S, base.records, base.rowStart, P[0].ir);
      screenSparse(f, screen, S, d, Q);
    } else {
      screenDistances(f, screen, rows, d, Q, (r) => [P[r].x32o, 0]);
    }
    for (let r = 0; r < rows; r++) {
      screenRow(f, screen, r, Q, (row) => [P[row].np, 0]);
      f.ifResult('i32');
      // second smallest: the minimum with the (single) minimal lane replaced by +inf
      for (let q = 0; q < Q; q++) {
        f.get(inf).get(acc[r][q]).get(acc[r][q]).get(m).op('f32x4.eq').op('v128.bitselect');
        if (q > 0) f.get(sec).op('f32x4.pmin');
        f.set(sec);
      }
      hmin(f, sec, t);
      boundRefresh(f, B, P[r], m, sec);
      f.get(bits).op('i32.ctz');
      f.elseBranch();
      boundReset(f, P[r]);
      // counted for benchmarks only, like the skips
      f.i32(0).i32(0).mem('i32.load', HEADER.fallbacks).i32(1).op('i32.add').mem('i32.store', HEADER.fallbacks);
      f.get(P[r].xo).get(cl).call(exactIndex);
      f.op('end').set(best);
      f.get(changed).get(P[r].lp).mem('i32.load', 0).get(best).op('i32.ne').op('i32.add').set(changed);
      f.get(P[r].lp).get(best).mem('i32.store', 0);
    }
  };
  const groups = (rows: number, sparse = false): void => listGroups(f, list, rows, (n) => computed(n, sparse));
  f.get(base.records).ifVoid();
  groups(1, true);
  f.elseBranch();
  groups(R);
  if (R > 1) groups(1);
  f.op('end');

  // pass 3: sums and counts in row order (labels unchanged: adds 0 to `changed`)
  const sink = { lp: P[0].lp, best, changed, sums, counts, so, xo: P[0].xo };
  f.get(base.records).ifVoid();
  rowLoop(() => {
    f.get(lab).get(i).i32(4).op('i32.mul').op('i32.add').mem('i32.load', 0).set(best);
    f.get(sums)
      .get(best)
      .i32(d * 8)
      .op('i32.mul')
      .op('i32.add')
      .set(so);
    f.get(counts).get(best).i32(8).op('i32.mul').op('i32.add').set(countAt);
    rowRecords(f, S, base.records, base.rowStart, i);
    addSparseRow(f, S, so, countAt);
  });
  f.elseBranch();
  rowLoop(() => {
    f.get(i);
    pointTo(0);
    f.get(P[0].lp).mem('i32.load', 0).set(best);
    storeLabelAndAdd(f, d, sink, 0);
  });
  f.op('end');
  f.get(changed);
  return f;
}
