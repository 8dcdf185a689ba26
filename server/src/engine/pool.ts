// Output columns of evaluation by blocks, reused from one block to the next. A block's columns
// live until its flags are taken (copied into the frame's flag columns, or copied to be sent from
// a worker), and the next block needs the same columns again: allocating them afresh cost more than
// computing them (a 512 KB typed array is zeroed by the allocator, and the garbage collector runs
// for the memory let go). Columns from a pool are not cleared: the kernels that take one write
// every point.

export class ColumnPool {
  private readonly numberColumns: Float64Array[] = [];
  private readonly flagColumns: Uint8Array[] = [];
  private numbersUsed = 0;
  private flagsUsed = 0;

  /** A number column of n points, not cleared, unused since the last reset. */
  numbers(n: number): Float64Array {
    const k = this.numbersUsed++;
    let c = this.numberColumns[k];
    if (!c || c.length < n) this.numberColumns[k] = c = new Float64Array(n);
    return c.length === n ? c : c.subarray(0, n);
  }

  /** A condition column of n points, not cleared, unused since the last reset. */
  flags(n: number): Uint8Array {
    const k = this.flagsUsed++;
    let c = this.flagColumns[k];
    if (!c || c.length < n) this.flagColumns[k] = c = new Uint8Array(n);
    return c.length === n ? c : c.subarray(0, n);
  }

  /** Every column may be handed out again (the block's values are no longer read). */
  reset(): void {
    this.numbersUsed = 0;
    this.flagsUsed = 0;
  }
}

/** What a kernel needs to make its output: the length, and the pool of a block when there is one. */
export interface Outputs {
  length: number;
  pool?: ColumnPool;
}

/** A number column for a kernel that writes every point. */
export function numberColumn(L: Outputs): Float64Array {
  return L.pool ? L.pool.numbers(L.length) : new Float64Array(L.length);
}

/** A condition column for a kernel that writes every point. */
export function flagColumn(L: Outputs): Uint8Array {
  return L.pool ? L.pool.flags(L.length) : new Uint8Array(L.length);
}
