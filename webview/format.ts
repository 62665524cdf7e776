// Number formatting shared by the panel and its tests (fixed locale so output is deterministic).

export function fmtInt(n: number | null): string {
  return n == null ? '—' : Math.round(n).toLocaleString('en-US');
}

export function fmtBytes(b: number | null): string {
  if (b == null) return '—';
  if (b < 1024) return `${b.toFixed(0)} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / (1024 * 1024)).toFixed(2)} MiB`;
}

export function fmtBits(b: number | null): string {
  return b == null ? '—' : b.toFixed(3);
}

export function fmtRatio(r: number | null): string {
  return r == null ? '—' : `${r.toFixed(2)}×`;
}

export function fmtDb(d: number | null): string {
  if (d == null) return '—';
  if (d === Infinity) return '∞';
  if (d === -Infinity) return '-∞';
  return d.toFixed(1);
}

export function fmtShare(p: number | null): string {
  return p == null ? '—' : `${(p * 100).toFixed(1)}%`;
}

export function fmtMs(ms: number | null): string {
  if (ms == null) return '—';
  if (ms < 0.01) return `${(ms * 1000).toFixed(2)} µs`;
  return `${ms.toFixed(3)} ms`;
}

export function fmtShape(s: number[] | null): string {
  return s == null ? '—' : s.join('×');
}

/** Counts in table cells: exact below a million, else 3 significant digits with an SI suffix. */
export function fmtCount(n: number | null): string {
  if (n == null) return '—';
  const a = Math.abs(n);
  if (a < 1e6) return Math.round(n).toLocaleString('en-US');
  const [d, u] = a < 1e9 ? [1e6, 'M'] : a < 1e12 ? [1e9, 'G'] : [1e12, 'T'];
  return `${(n / d).toPrecision(3)} ${u}`;
}
