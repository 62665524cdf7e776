// A model's skeleton: the file's bytes with every large tensor's raw_data left on disk. The walk
// reads only field headers (through a 1 MiB window) and the fields it keeps; each large raw_data
// becomes a 16-byte token, and the enclosing lengths are rewritten. Parsing the skeleton gives
// the whole model but the weights, which are then read from the file one tensor at a time.
import { readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { RAW_DATA_FIELD, TENSOR_PATHS, varintBytes, type MessageKind } from './wire';

export interface FileRange {
  offset: number;
  length: number;
}

export interface Skeleton {
  bytes: Uint8Array;
  /** raw_data tokens (hex) -> where the data sits in the file. */
  tokens: Map<string, FileRange>;
}

/** A token is this nonce (per walk) followed by a 4-byte index. */
export const TOKEN_BYTES = 16;

/** A piece of the skeleton: a range of the file, or new bytes (rewritten lengths, tokens). */
type Piece = { from: number; to: number } | Uint8Array;

class NotProtobuf extends Error {}

const WINDOW_BYTES = 1 << 20;

/** Reads the file through a window, so a field header or a short range costs no system call. */
class Window {
  private buf = new Uint8Array(WINDOW_BYTES);
  private start = 0;
  private end = 0;
  constructor(
    private fd: number,
    private size: number,
  ) {}
  private fill(pos: number): void {
    if (pos >= this.size) throw new NotProtobuf();
    if (pos >= this.start && pos < this.end) return;
    this.start = pos;
    this.end = pos + readSync(this.fd, this.buf, 0, Math.min(this.buf.length, this.size - pos), pos);
    if (this.end <= pos) throw new NotProtobuf();
  }
  byte(pos: number): number {
    this.fill(pos);
    return this.buf[pos - this.start];
  }
  /** The bytes from `pos` up to `to` that the window holds (at least one), as a view. */
  span(pos: number, to: number): Uint8Array {
    this.fill(pos);
    return this.buf.subarray(pos - this.start, Math.min(to, this.end) - this.start);
  }
  varint(pos: number): [value: number, next: number] {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos++);
      v += (b & 0x7f) * mul;
      if (b < 0x80) return [v, pos];
      mul *= 128;
    }
    throw new NotProtobuf();
  }
}

/**
 * The skeleton of the ONNX file open at `fd` (`size` bytes), deferring raw_data of at least
 * `minBytes`. Null when the bytes do not walk as a ModelProto (the caller then reads the whole
 * file and reports what is wrong with it).
 */
export function readSkeleton(fd: number, size: number, minBytes: number): Skeleton | null {
  const win = new Window(fd, size);
  const nonce = randomBytes(TOKEN_BYTES - 4);
  const tokens = new Map<string, FileRange>();
  const pieces: Piece[] = [];
  // Walks the fields of a message in [from, to); appends its pieces and returns its new length.
  const walk = (kind: MessageKind, from: number, to: number): number => {
    let pos = from;
    let length = 0;
    const keep = (a: number, b: number): void => {
      const last = pieces[pieces.length - 1];
      if (last && !(last instanceof Uint8Array) && last.to === a) last.to = b;
      else pieces.push({ from: a, to: b });
      length += b - a;
    };
    const put = (b: Uint8Array): void => {
      pieces.push(b);
      length += b.length;
    };
    while (pos < to) {
      const [tag, afterTag] = win.varint(pos);
      const wire = tag % 8;
      const field = Math.floor(tag / 8);
      let end: number;
      if (wire === 0) end = win.varint(afterTag)[1];
      else if (wire === 1) end = afterTag + 8;
      else if (wire === 5) end = afterTag + 4;
      else if (wire === 2) {
        const [len, body] = win.varint(afterTag);
        end = body + len;
        if (end > to) throw new NotProtobuf();
        const child = TENSOR_PATHS[kind][field];
        if (kind === 'tensor' && field === RAW_DATA_FIELD && len >= minBytes) {
          const token = new Uint8Array(TOKEN_BYTES);
          token.set(nonce);
          new DataView(token.buffer).setUint32(TOKEN_BYTES - 4, tokens.size);
          tokens.set(Buffer.from(token).toString('hex'), { offset: body, length: len });
          keep(pos, afterTag);
          put(varintBytes(TOKEN_BYTES));
          put(token);
          pos = end;
          continue;
        }
        if (child) {
          keep(pos, afterTag);
          // The length is known only after the walk: reserve its piece, fill it in after.
          const at = pieces.length;
          pieces.push(new Uint8Array(0));
          const inner = walk(child, body, end);
          const lenBytes = varintBytes(inner);
          pieces[at] = lenBytes;
          length += lenBytes.length + inner;
          pos = end;
          continue;
        }
      } else throw new NotProtobuf();
      if (end > to) throw new NotProtobuf();
      keep(pos, end);
      pos = end;
    }
    if (pos !== to) throw new NotProtobuf();
    return length;
  };
  try {
    const total = walk('model', 0, size);
    if (tokens.size === 0) return null;
    return { bytes: assemble(pieces, total, fd, win), tokens };
  } catch (e) {
    if (e instanceof NotProtobuf) return null;
    throw e;
  }
}

/**
 * The skeleton's bytes. The kept ranges ascend through the file with small gaps (the lengths
 * rewritten): they are read through the window, forward, so a graph of many small fields costs
 * few system calls; long ranges are read straight into place.
 */
function assemble(pieces: Piece[], total: number, fd: number, win: Window): Uint8Array {
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    if (p instanceof Uint8Array) {
      bytes.set(p, at);
      at += p.length;
    } else if (p.to - p.from > WINDOW_BYTES) {
      for (let got = 0; got < p.to - p.from; ) {
        const r = readSync(fd, bytes, at + got, p.to - p.from - got, p.from + got);
        if (r === 0) throw new NotProtobuf();
        got += r;
      }
      at += p.to - p.from;
    } else {
      for (let pos = p.from; pos < p.to; ) {
        const chunk = win.span(pos, p.to);
        bytes.set(chunk, at);
        at += chunk.length;
        pos += chunk.length;
      }
    }
  }
  return bytes;

}
