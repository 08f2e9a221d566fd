/**
 * The loops the bounded kernels (lloyd32Bounds.ts, finalBounds.ts) share: a pass over a block's
 * rows, and a to-do list of row indices in the block's own slots of the `todo` region (so threads
 * never share one), filled in row order by one pass and worked through, a group of rows at a
 * time, by the next.
 */
import type { FnBuilder } from './encoder';

/** Locals of a to-do list: its base address, the block's first row, the rows listed, the next to take. */
export interface RowList {
  readonly todo: number;
  readonly start: number;
  readonly cnt: number;
  readonly g: number;
}

/** Declares a list's locals (its base `todo` is loaded from the header by the caller) and a row index `i`, for the rows from local `start`. */
export function rowListLocals(f: FnBuilder, start: number): RowList & { readonly i: number } {
  return { i: f.local('i32'), cnt: f.local('i32'), g: f.local('i32'), todo: f.local('i32'), start };
}

/** A loop over local i in [start, end): body, then i += 1. */
export function rowLoop(f: FnBuilder, i: number, start: number, end: number, body: () => void): void {
  f.get(start).set(i);
  f.block().loop();
  f.get(i).get(end).op('i32.ge_s').brIf(1);
  body();
  f.get(i).i32(1).op('i32.add').set(i);
  f.br(0).op('end').op('end');
}

/** Pushes the address of slot `slot` (a local) of the list: todo + (start + slot) * 4. */
function slotAddress(f: FnBuilder, L: RowList, slot: number): void {
  f.get(L.todo).get(L.start).get(slot).op('i32.add').i32(4).op('i32.mul').op('i32.add');
}

/** Writes row `i` (a local) to the next free slot; the caller then counts it into cnt (or not). */
export function writeSlot(f: FnBuilder, L: RowList, i: number): void {
  slotAddress(f, L, L.cnt);
  f.get(i).mem('i32.store', 0);
}

/** Lists row `i` (a local): writes it to the next free slot and counts it. */
export function listRow(f: FnBuilder, L: RowList, i: number): void {
  writeSlot(f, L, i);
  f.get(L.cnt).i32(1).op('i32.add').set(L.cnt);
}

/** Pushes the index of the group's row r (slot g + r). */
export function listedRow(f: FnBuilder, L: RowList, r: number): void {
  slotAddress(f, L, L.g);
  f.mem('i32.load', r * 4);
}

/** Works through the listed rows from slot g on, `rows` at a time while as many are left: body(rows), g += rows. */
export function listGroups(f: FnBuilder, L: RowList, rows: number, body: (rows: number) => void): void {
  f.block().loop();
  f.get(L.g)
    .i32(rows - 1)
    .op('i32.add')
    .get(L.cnt)
    .op('i32.ge_s')
    .brIf(1);
  body(rows);
  f.get(L.g).i32(rows).op('i32.add').set(L.g);
  f.br(0).op('end').op('end');
}
