/**
 * The final exact assignment of a Lloyd run (kernels.ts `nearest`: labels by the exact squared
 * distances sum_j (x_j - c_j)^2, inertia their sum in row order) for the wide shapes that keep
 * distance bounds (lloyd32Bounds.ts), without computing every row's distance to every centre.
 *
 * It runs right after the run's last assignment, the centres moved from that assignment's to the
 * final ones (bounds.ts moves the bounds). A row whose bounds still pass the skip test has, for
 * every other centre c, real squared distances D_c^2 - D_a^2 > 2T (bounds.ts). The computed direct
 * distances carry a relative error of at most g = (d + 3) 2^-53, so the computed D_c^2 exceeds
 * the computed D_a^2 whenever D_a^2 < T (1 - g)^2 / g; the kernel checks the far stronger
 * D_a^2 (d + 3) 2^-40 < T on the computed D_a^2. Such a row keeps its label, the exact kernel's
 * argmin, and only its distance to its own centre is computed, in the `nearest` lane's exact
 * sequence (s = 0, s += (x_j - c_j)^2 in feature order), so its bits are those `nearest` gives.
 * Every other row runs `nearest` itself. The inertia adds the rows' distances in row order.
 * Labels and inertia are therefore those of `nearest`, bit for bit (tests compare).
 *
 * Passes over rows [start, end): 1. bounds; rows that pass go to the to-do list, others run
 * `nearest` at once, their distance kept in ub (the bounds are not used after the final
 * assignment: a next run starts with every row computed); 2. the listed rows, four at a time
 * (four independent chains), their own centre's distance, checked as above, else `nearest`;
 * 3. the sum of ub in row order.
 */
import { boundCheck, rowThreshold, type BoundLocals, type RowPtrs } from './bounds';
import { pairsOf, type KernelShape } from './common';
import { FnBuilder } from './encoder';
import { HEADER, loadHeader, loadScreenThreshold, quadsOf } from './lloyd32';
import { listedRow, listGroups, listRow, rowLoop, rowListLocals } from './rowLists';

/** Rows whose own-centre distances are computed together in pass 2. */
const GROUP = 4;

/**
 * finalBounds(x, cn, labels, start, end) -> inertia, as `nearest` (module index `nearestIndex`)
 * with the same arguments; cn is nearest's centre layout ([j][pair], lanes).
 */
export function finalBoundsFn({ k, d }: KernelShape, nearestIndex: number): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32'], 'f64');
  const [x, cn, lab, start, end] = [0, 1, 2, 3, 4];
  const np = pairsOf(k);
  const Q = quadsOf(k);
  const i32 = (): number => f.local('i32');
  const list = rowListLocals(f, start);
  const { i, todo } = list;
  const cf = i32();
  const base = { nx: i32(), ub: i32(), lb: i32(), nsq: i32() };
  const rowPtrs = (): RowPtrs & { ir: number; xo: number; cp: number } => ({ ir: i32(), xo: i32(), cp: i32(), lp: i32(), ubp: i32(), lbp: i32(), nsqp: i32(), np: i32() });
  const P = Array.from({ length: GROUP }, rowPtrs);
  const B: BoundLocals = { dl: i32(), alpha: f.local('f32'), beta: f.local('f32'), a: i32(), u: f.local('f64'), l: f.local('f64'), tr: f.local('f64'), skip: i32() };
  const s = Array.from({ length: GROUP }, () => f.local('f64'));
  const u = f.local('f64');
  const inertia = f.local('f64');
  loadHeader(f, [
    [base.nx, HEADER.nx],
    [base.ub, HEADER.ub],
    [base.lb, HEADER.lb],
    [base.nsq, HEADER.nsq],
    [B.dl, HEADER.dl],
    [cf, HEADER.cf],
    [todo, HEADER.todo],
  ]);
  loadScreenThreshold(f, { cf, alpha: B.alpha, beta: B.beta }, d, Q);

  /** Sets P[r]'s pointers from the row index on the stack (cp: its label's centre in cn's layout). */
  const pointTo = (r: number): void => {
    const p = P[r];
    f.set(p.ir);
    for (const [loc, b, bytes] of [
      [p.xo, x, 8 * d],
      [p.lp, lab, 4],
      [p.np, base.nx, 4],
      [p.ubp, base.ub, 8],
      [p.lbp, base.lb, 8],
      [p.nsqp, base.nsq, 8],
    ])
      f.get(b).get(p.ir).i32(bytes).op('i32.mul').op('i32.add').set(loc);
    // centre a's value j is at cn + (j * np + a >> 1) * 16 + (a & 1) * 8
    f.get(cn).get(p.lp).mem('i32.load', 0).i32(8).op('i32.mul').op('i32.add').set(p.cp);
  };
  /** Runs `nearest` on row P[r] and keeps its distance in its ub slot. */
  const exact = (r: number): void => {
    f.get(P[r].ubp).get(x).get(cn).get(lab).get(P[r].ir).get(P[r].ir).i32(1).op('i32.add').call(nearestIndex).mem('f64.store', 0);
  };

  // pass 1: bounds; rows that keep their label to the to-do list, the others computed exactly
  rowLoop(f, i, start, end, () => {
    f.get(i);
    pointTo(0);
    f.i32(1).set(B.skip);
    boundCheck(f, B, P[0], k);
    f.get(B.skip).ifVoid();
    listRow(f, list, i);
    f.elseBranch();
    exact(0);
    f.op('end');
  });

  // pass 2: the listed rows' distances to their own centres, `rows` at a time
  const own = (rows: number): void => {
    for (let r = 0; r < rows; r++) {
      listedRow(f, list, r);
      pointTo(r);
      f.f64(0).set(s[r]);
    }
    for (let j = 0; j < d; j++) {
      for (let r = 0; r < rows; r++) {
        f.get(P[r].xo)
          .mem('f64.load', j * 8)
          .get(P[r].cp)
          .mem('f64.load', j * np * 16)
          .op('f64.sub')
          .set(u);
        f.get(s[r]).get(u).get(u).op('f64.mul').op('f64.add').set(s[r]);
      }
    }
    for (let r = 0; r < rows; r++) {
      rowThreshold(f, B, P[r]);
      // s (d + 3) 2^-40 < T: the label is the exact argmin (see the header), else `nearest`
      f.get(s[r])
        .f64((d + 3) * 2 ** -40)
        .op('f64.mul')
        .get(B.tr)
        .op('f64.lt')
        .ifVoid();
      f.get(P[r].ubp).get(s[r]).mem('f64.store', 0);
      f.elseBranch();
      exact(r);
      f.op('end');
    }
  };
  listGroups(f, list, GROUP, own);
  listGroups(f, list, 1, own);

  // pass 3: the inertia, rows in order
  f.f64(0).set(inertia);
  rowLoop(f, i, start, end, () => {
    f.get(inertia).get(base.ub).get(i).i32(8).op('i32.mul').op('i32.add').mem('f64.load', 0).op('f64.add').set(inertia);
  });
  f.get(inertia);
  return f;
}
