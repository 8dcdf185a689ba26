// Copies into memory made ready ahead of time. The first write to fresh memory costs a page fault
// per 4 KB page, about six times the copy itself (4 ms for a 5.3 MB flag column on a busy 2-core
// machine against 0.5 ms): an edit's new columns and bit sets (delta.ts, derive.ts) are copied
// into arrays whose pages were touched while the editor was idle (refillSpares), when there are some.
// A spare is a new array nobody else holds, so handing it out changes nothing anyone reads.

/** Spares kept per byte length, and their bytes in all. */
const perSize = 8;
const maxBytes = 64 << 20;

const ready = new Map<number, ArrayBuffer[]>();
/** Byte lengths copied since the last refill, and how many times. */
const taken = new Map<number, number>();
/** Refills since a size was last copied: past maxIdle its spares go. */
const idle = new Map<number, number>();
const maxIdle = 16;
let held = 0;

/** A copy of `a`, into a spare of its size when one is ready. */
export function copyOf<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T): T {
  const bytes = a.byteLength;
  taken.set(bytes, (taken.get(bytes) ?? 0) + 1);
  const buffer = ready.get(bytes)?.pop();
  if (!buffer) return a.slice() as T;
  held -= bytes;
  const out = new (a.constructor as new (b: ArrayBuffer) => T)(buffer);
  out.set(a);
  return out;
}

/**
 * Makes spares of the sizes copied since the last call (as many as were copied, at most
 * `perSize` each), their pages touched. For idle time: the language server calls it once an
 * analysis is answered and published.
 */
export function refillSpares(): void {
  // Sizes not copied for a while (another dataset now) are let go.
  for (const [bytes, list] of ready) {
    if (taken.has(bytes)) idle.delete(bytes);
    else if ((idle.get(bytes) ?? 0) + 1 < maxIdle) idle.set(bytes, (idle.get(bytes) ?? 0) + 1);
    else {
      held -= bytes * list.length;
      ready.delete(bytes);
      idle.delete(bytes);
    }
  }
  for (const [bytes, n] of taken) {
    let list = ready.get(bytes);
    if (!list) ready.set(bytes, (list = []));
    while (list.length < Math.min(n, perSize) && held + bytes <= maxBytes) {
      const buffer = new ArrayBuffer(bytes);
      const page = new Uint8Array(buffer);
      for (let i = 0; i < bytes; i += 4096) page[i] = 0;
      list.push(buffer);
      held += bytes;
    }
  }
  taken.clear();
}

/** Spares ready for arrays of `bytes` bytes (for tests). */
export function sparesReady(bytes: number): number {
  return ready.get(bytes)?.length ?? 0;
}

/** Lets every spare go (tests). */
export function dropSpares(): void {
  ready.clear();
  taken.clear();
  idle.clear();
  held = 0;
}
