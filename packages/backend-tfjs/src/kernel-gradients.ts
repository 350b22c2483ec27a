import type * as tfc from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs-core';
import type { Tf } from './engines.js';

/**
 * Gradient functions for the tfjs kernels this package's ops use. tfjs-core's npm bundles
 * (`main`, `fesm`) ship no gradient functions — only its unbundled ESM sources, which Node
 * cannot load, register them (the `@tensorflow/tfjs` union package bundles them). So this
 * package registers its own, each only where the kernel has none yet: with tfjs-node (which
 * loads `@tensorflow/tfjs`) tfjs's own gradients stay in place.
 */

type T = tfc.Tensor;

function axesOf(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return [...Array(rank).keys()];
  const list = Array.isArray(axis) ? (axis as number[]) : [axis as number];
  return list.map((a) => (a < 0 ? a + rank : a));
}

/** Sums dy over the axes broadcasting expanded, back to `shape` (numpy rules). */
function reduceTo(tf: Tf, dy: T, shape: readonly number[]): T {
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length === 0 ? dy : tf.sum(dy, axes);
  return tf.reshape(summed, [...shape]);
}

/** dy of a reduction over `axes`, spread back over x's shape. */
function spread(tf: Tf, dy: T, xShape: readonly number[], axes: readonly number[]): T {
  const kept = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kept), tf.ones([...xShape], 'float32'));
}

/** x with its last two axes swapped (an explicit transpose). */
function swapLast(tf: Tf, x: T): T {
  const perm = x.shape.map((_, i) => i);
  const last = perm.length - 1;
  [perm[last - 1], perm[last]] = [perm[last]!, perm[last - 1]!];
  return tf.transpose(x, perm);
}

function zerosFor(tf: Tf, ...names: string[]): (saved: T[]) => Record<string, () => T> {
  return (saved) => Object.fromEntries(names.map((n, i) => [n, () => tf.zerosLike(saved[i]!)]));
}

function configs(tf: Tf): GradConfig[] {
  const one = (dy: T | T[]): T => dy as T;
  const binary = (
    kernelName: string,
    da: (dy: T, a: T, b: T) => T,
    db: (dy: T, a: T, b: T) => T,
  ): GradConfig => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => reduceTo(tf, da(one(dy), a!, b!), a!.shape),
      b: () => reduceTo(tf, db(one(dy), a!, b!), b!.shape),
    }),
  });
  const comparison = (kernelName: string): GradConfig => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => zerosFor(tf, 'a', 'b')(saved),
  });
  return [
    binary(
      'Add',
      (dy) => dy,
      (dy) => dy,
    ),
    binary(
      'Sub',
      (dy) => dy,
      (dy) => tf.neg(dy),
    ),
    binary(
      'Multiply',
      (dy, _a, b) => tf.mul(dy, b),
      (dy, a) => tf.mul(dy, a),
    ),
    binary(
      'RealDiv',
      (dy, _a, b) => tf.div(dy, b),
      (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
    ),
    comparison('Equal'),
    comparison('NotEqual'),
    comparison('Greater'),
    {
      kernelName: 'BatchMatMul',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, [a, b], attrs: NamedAttrMap) => {
        const g = one(dy);
        if (attrs.transposeA === true)
          throw new Error('BatchMatMul gradient: transposeA unsupported');
        // Transposes are explicit: tfjs-wasm runs a product with transposeA/transposeB on its
        // scalar loop (≈1 GFLOP/s) but a plain one on XNNPACK (≈20 GFLOP/s).
        return attrs.transposeB === true
          ? { a: () => tf.matMul(g, b!), b: () => tf.matMul(swapLast(tf, g), a!) }
          : { a: () => tf.matMul(g, swapLast(tf, b!)), b: () => tf.matMul(swapLast(tf, a!), g) };
      },
    },
    {
      kernelName: 'Sigmoid',
      outputsToSave: [true],
      gradFunc: (dy, [y]) => ({
        x: () => tf.mul(one(dy), tf.mul(y!, tf.sub(tf.scalar(1), y!))),
      }),
    },
    {
      kernelName: 'Exp',
      outputsToSave: [true],
      gradFunc: (dy, [y]) => ({ x: () => tf.mul(one(dy), y!) }),
    },
    {
      kernelName: 'Log',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => tf.div(one(dy), x!) }),
    },
    {
      kernelName: 'Square',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => tf.mul(one(dy), tf.mul(x!, tf.scalar(2))) }),
    },
    {
      kernelName: 'Rsqrt',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({
        x: () => tf.div(one(dy), tf.mul(tf.scalar(-2), tf.mul(x!, tf.sqrt(x!)))),
      }),
    },
    { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(one(dy)) }) },
    { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => tf.clone(one(dy)) }) },
    { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => tf.clone(one(dy)) }) },
    {
      kernelName: 'Sum',
      inputsToSave: ['x'],
      gradFunc: (dy, [x], attrs) => ({
        x: () => spread(tf, one(dy), x!.shape, axesOf(attrs.axis, x!.rank)),
      }),
    },
    {
      kernelName: 'Mean',
      inputsToSave: ['x'],
      gradFunc: (dy, [x], attrs) => {
        const axes = axesOf(attrs.axis, x!.rank);
        const n = axes.reduce((p, a) => p * x!.shape[a]!, 1);
        return { x: () => tf.div(spread(tf, one(dy), x!.shape, axes), tf.scalar(n)) };
      },
    },
    {
      kernelName: 'Max',
      inputsToSave: ['x'],
      outputsToSave: [true],
      gradFunc: (dy, [x, y], attrs) => {
        const axes = axesOf(attrs.reductionIndices, x!.rank);
        const kept = x!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        return {
          x: () =>
            tf.mul(
              tf.reshape(one(dy), kept),
              tf.cast(tf.equal(x!, tf.reshape(y!, kept)), 'float32'),
            ),
        };
      },
    },
    {
      kernelName: 'Softmax',
      outputsToSave: [true],
      gradFunc: (dy, [y], attrs) => {
        const dyY = tf.mul(one(dy), y!);
        const dim = attrs.dim as number;
        return { logits: () => tf.sub(dyY, tf.mul(tf.sum(dyY, [dim], true), y!)) };
      },
    },
    {
      kernelName: 'Reshape',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => tf.reshape(one(dy), x!.shape) }),
    },
    {
      kernelName: 'ExpandDims',
      inputsToSave: ['input'],
      gradFunc: (dy, [x]) => ({ input: () => tf.reshape(one(dy), x!.shape) }),
    },
    {
      kernelName: 'Transpose',
      gradFunc: (dy, _saved, attrs) => {
        const perm = attrs.perm as number[];
        const inverse = perm.map((_, i) => perm.indexOf(i));
        return { x: () => tf.transpose(one(dy), inverse) };
      },
    },
    {
      kernelName: 'Tile',
      inputsToSave: ['x'],
      gradFunc: (dy, [x], attrs) => {
        const reps = attrs.reps as number[];
        const split = x!.shape.flatMap((d, i) => [reps[i]!, d]);
        const axes = x!.shape.map((_, i) => 2 * i);
        return { x: () => tf.reshape(tf.sum(tf.reshape(one(dy), split), axes), x!.shape) };
      },
    },
    {
      kernelName: 'BroadcastTo',
      inputsToSave: ['x'],
      gradFunc: (dy, [x]) => ({ x: () => reduceTo(tf, one(dy), x!.shape) }),
    },
    {
      kernelName: 'SplitV',
      inputsToSave: ['x'],
      gradFunc: (dy, [x], attrs) => {
        const axis = axesOf(attrs.axis, x!.rank)[0]!;
        const parts = dy as (T | null)[];
        const spec = attrs.numOrSizeSplits as number | number[];
        const sizes = Array.isArray(spec) ? spec : Array(spec).fill((x!.shape[axis] ?? 0) / spec);
        const filled = parts.map(
          (p, i) => p ?? tf.zeros(x!.shape.map((d, j) => (j === axis ? sizes[i]! : d))),
        );
        return { x: () => tf.concat(filled, axis) };
      },
    },
    {
      kernelName: 'Concat',
      saveAllInputs: true,
      gradFunc: (dy, saved, attrs) => {
        const axis = axesOf(attrs.axis, saved[0]!.rank)[0]!;
        const pieces = tf.split(
          one(dy),
          saved.map((t) => t.shape[axis]!),
          axis,
        );
        return Object.fromEntries(pieces.map((p, i) => [String(i), () => p]));
      },
    },
    {
      kernelName: 'Select',
      inputsToSave: ['condition'],
      gradFunc: (dy, [c]) => {
        const g = one(dy);
        return {
          condition: () => tf.zerosLike(c!),
          t: () => tf.where(c!, g, tf.zerosLike(g)),
          e: () => tf.where(c!, tf.zerosLike(g), g),
        };
      },
    },
    {
      kernelName: 'GatherV2',
      inputsToSave: ['x', 'indices'],
      gradFunc: (dy, [x, indices], attrs) => {
        if (axesOf(attrs.axis, x!.rank)[0] !== 0 || (attrs.batchDims ?? 0) !== 0) {
          throw new Error('GatherV2 gradient: only axis 0 without batch dims is supported');
        }
        // ScatterNd sums repeated indices (and exists on cpu, wasm and tfjs-node).
        const at = tf.reshape(indices!, [indices!.size, 1]);
        const rows = tf.reshape(one(dy), [indices!.size, ...x!.shape.slice(1)]);
        return {
          x: () => tf.scatterND(at, rows, x!.shape),
          indices: () => tf.zerosLike(indices!),
        };
      },
    },
  ];
}

const done = new WeakSet<object>();

/** Registers the gradients above in `tf`'s registry where a kernel has none. Idempotent. */
export function ensureGradients(tf: Tf): void {
  if (done.has(tf)) return;
  for (const config of configs(tf)) {
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
  done.add(tf);
}
