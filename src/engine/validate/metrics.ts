// Fidelity metrics between an original and a compressed model's outputs, accumulated batch by
// batch (float64 sums) so validation never holds all outputs in memory.

export class OutputAccumulator {
  private dot = 0;
  private normA = 0;
  private normB = 0;
  private err2 = 0;
  private maxAbs = 0;
  count = 0;

  /** a: original values, b: compressed values of the same elements. */
  add(a: ArrayLike<number>, b: ArrayLike<number>): void {
    let dot = 0;
    let na = 0;
    let nb = 0;
    let e2 = 0;
    let mx = this.maxAbs;
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      dot += x * y;
      na += x * x;
      nb += y * y;
      const d = x - y;
      e2 += d * d;
      const ad = Math.abs(d);
      if (ad > mx || Number.isNaN(ad)) mx = ad;
    }
    this.dot += dot;
    this.normA += na;
    this.normB += nb;
    this.err2 += e2;
    this.maxAbs = mx;
    this.count += a.length;
  }

  /** Cosine similarity of the flattened outputs (1 when both are all zeros). */
  get cosine(): number {
    if (this.normA === 0 && this.normB === 0) return 1;
    if (this.normA === 0 || this.normB === 0) return 0;
    return this.dot / Math.sqrt(this.normA * this.normB);
  }

  /** 10 log10(sum a^2 / sum (a - b)^2); Infinity when the outputs are identical. */
  get sqnrDb(): number {
    if (this.err2 === 0) return Infinity;
    return 10 * Math.log10(this.normA / this.err2);
  }

  get maxAbsError(): number {
    return this.maxAbs;
  }
}

/** Index of the largest value in row `r` of a row-major [rows, cols] array (first on ties). */
export function argmaxRow(data: ArrayLike<number>, r: number, cols: number): number {
  let best = 0;
  let bv = -Infinity;
  const off = r * cols;
  for (let c = 0; c < cols; c++) {
    const v = data[off + c];
    if (v > bv) {
      bv = v;
      best = c;
    }
  }
  return best;
}
