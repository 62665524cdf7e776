// O(n) selection over Float32Array: the fixed-p closed forms and magnitude pruning need the k-th
// value and the multiset below/above it, never a full order, so a sort would waste a log n factor.

const SMALL = 16;

function insertionSort(a: Float32Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

function median3(x: number, y: number, z: number): number {
  return x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
}

/**
 * Introselect: partially reorders `a[lo..hi)` in place so that `a[k]` holds the value it would
 * have if that range were sorted ascending, with every element before it `<=` and every element
 * after it `>=`. Returns `a[k]`. Average O(n): Hoare partition around a median-of-3 pivot (ninther
 * on large ranges); after 2*log2(n) rounds without finishing, the remaining range is sorted, which
 * bounds the worst case at O(n log n). Input must be NaN-free.
 */
export function quickselect(a: Float32Array, k: number, lo = 0, hi = a.length): number {
  if (!(k >= lo && k < hi)) throw new RangeError(`quickselect: k=${k} outside [${lo}, ${hi})`);
  let depth = 2 * Math.ceil(Math.log2(hi - lo + 1)) + 4;
  for (;;) {
    const len = hi - lo;
    if (len <= SMALL) {
      insertionSort(a, lo, hi);
      return a[k]!;
    }
    if (depth-- <= 0) {
      a.subarray(lo, hi).sort();
      return a[k]!;
    }
    const mid = lo + (len >> 1);
    let pivot: number;
    if (len >= 256) {
      const s = len >> 3;
      pivot = median3(
        median3(a[lo]!, a[lo + s]!, a[lo + 2 * s]!),
        median3(a[mid - s]!, a[mid]!, a[mid + s]!),
        median3(a[hi - 1 - 2 * s]!, a[hi - 1 - s]!, a[hi - 1]!),
      );
    } else {
      pivot = median3(a[lo]!, a[mid]!, a[hi - 1]!);
    }
    // Hoare partition: both scans stop on elements equal to the pivot, so runs of ties split
    // evenly instead of degrading to quadratic time. The pivot value is in the range, so the
    // first round swaps at least once and both sides strictly shrink.
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot, a[i..hi) >= pivot, and anything strictly between equals the pivot.
    if (k <= j) hi = j + 1;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
}
