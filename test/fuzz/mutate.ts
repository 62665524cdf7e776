// Seeded mutations of model bytes for the load fuzz test: truncations, byte flips, and corrupted
// length prefixes of length-delimited protobuf fields (found by walking the message tree).

/** xorshift32: small, seeded, deterministic. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export interface LengthField {
  /** Offset of the length varint and its size in bytes. */
  at: number;
  size: number;
  /** The declared payload length. */
  length: number;
  depth: number;
}

function readVarint(b: Uint8Array, pos: number, end: number): [value: number, next: number] | null {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10 && pos < end; i++) {
    const c = b[pos++];
    v += (c & 0x7f) * mul;
    mul *= 128;
    if (!(c & 0x80)) return [v, pos];
  }
  return null;
}

/**
 * Length-delimited fields of the message in b[start, end), recursing into payloads that parse as
 * messages (to `maxDepth`). Returns null when the range does not parse as a message.
 */
export function lengthFields(b: Uint8Array, start = 0, end = b.length, depth = 0, maxDepth = 5): LengthField[] | null {
  const out: LengthField[] = [];
  let pos = start;
  while (pos < end) {
    const tag = readVarint(b, pos, end);
    if (!tag || tag[0] < 8) return null;
    pos = tag[1];
    switch (tag[0] & 7) {
      case 0: {
        const v = readVarint(b, pos, end);
        if (!v) return null;
        pos = v[1];
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const len = readVarint(b, pos, end);
        if (!len || len[1] + len[0] > end) return null;
        out.push({ at: pos, size: len[1] - pos, length: len[0], depth });
        const payload = len[1];
        pos = payload + len[0];
        // Large payloads are tensor data or whole graphs: only recurse into the graph-sized ones
        // that parse; raw weight bytes rarely do, and when they do the fields are still real bytes.
        if (depth < maxDepth && len[0] > 1) {
          const inner = lengthFields(b, payload, pos, depth + 1, maxDepth);
          if (inner) out.push(...inner);
        }
        break;
      }
      default:
        return null;
    }
    if (pos > end) return null;
  }
  return out;
}

function encodeVarint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

export type MutationKind = 'truncate' | 'flip' | 'length' | 'splice';

/** One mutation of `src` (never modifies it). */
export function mutate(src: Uint8Array, fields: LengthField[], kind: MutationKind, rng: Rng): { bytes: Uint8Array; what: string } {
  switch (kind) {
    case 'truncate': {
      // Mostly short prefixes (header region) and anywhere in the file.
      const n = rng.next() < 0.3 ? rng.int(Math.min(src.length, 4096)) : rng.int(src.length);
      return { bytes: src.subarray(0, n), what: `truncate to ${n}` };
    }
    case 'flip': {
      const b = Uint8Array.from(src);
      const k = 1 + rng.int(8);
      const at: number[] = [];
      for (let i = 0; i < k; i++) {
        // Half the flips near a field's tag or length (structure), half anywhere (mostly weights).
        const f = fields[rng.int(fields.length)];
        const p = rng.next() < 0.5 ? Math.max(0, Math.min(b.length - 1, f.at - 2 + rng.int(f.size + 4))) : rng.int(b.length);
        b[p] ^= 1 + rng.int(255);
        at.push(p);
      }
      return { bytes: b, what: `flip bytes at ${at.join(',')}` };
    }
    case 'length': {
      const f = fields[rng.int(fields.length)];
      const choices = [0, 1, f.length - 1, f.length + 1, f.length + 1 + rng.int(1000), f.length * 2, 2 ** 31 - 1, 2 ** 32 + 5, 2 ** 40, rng.int(2 ** 20)];
      const v = Math.max(0, choices[rng.int(choices.length)]);
      const enc = encodeVarint(v);
      const b = new Uint8Array(src.length - f.size + enc.length);
      b.set(src.subarray(0, f.at));
      b.set(enc, f.at);
      b.set(src.subarray(f.at + f.size), f.at + enc.length);
      return { bytes: b, what: `length at ${f.at} (depth ${f.depth}) ${f.length} -> ${v}` };
    }
    case 'splice': {
      // Duplicate or drop a random span.
      const a = rng.int(src.length);
      const len = 1 + rng.int(256);
      const drop = rng.next() < 0.5;
      const b = drop
        ? Buffer.concat([src.subarray(0, a), src.subarray(Math.min(src.length, a + len))])
        : Buffer.concat([src.subarray(0, a + len), src.subarray(a)]);
      return { bytes: b, what: `${drop ? 'drop' : 'duplicate'} ${len} bytes at ${a}` };
    }
  }
}
