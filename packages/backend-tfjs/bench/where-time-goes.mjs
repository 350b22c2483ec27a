// Where the time of one call goes, at two levels:
// - `timeBackendOps`: per @meerkat/tensor Backend method (matmul, attention, rmsNorm, ...), by
//   wrapping the instance's methods with timers. The wasm and cpu engines compute synchronously,
//   so a method call's time is its compute time; both wall and process CPU time are recorded
//   (CPU time leaves out waiting for a core on a shared machine).
// - `timeKernels`: per TensorFlow.js kernel (BatchMatMul, Transpose, Softmax, ...) and input
//   shapes, from `tf.profile` (kernel times; profiling itself adds some overhead).

const BACKEND_OPS = [
  'upload',
  'fill',
  'reshape',
  'matmul',
  'add',
  'mul',
  'scale',
  'silu',
  'swiglu',
  'rmsNorm',
  'rope',
  'attention',
  'embedding',
  'logSoftmax',
  'crossEntropy',
  'sum',
];

/**
 * Runs `fn` (async allowed) with every Backend method timed; returns
 * { ms, cpuMs, ops: [{ op, ms, cpuMs, calls }] } (wall and CPU milliseconds), by CPU time.
 */
export async function timeBackendOps(backend, fn) {
  const totals = new Map();
  for (const op of BACKEND_OPS) {
    const method = backend[op].bind(backend);
    backend[op] = (...args) => {
      const start = performance.now();
      const cpu = process.cpuUsage();
      try {
        return method(...args);
      } finally {
        const used = process.cpuUsage(cpu);
        const entry = totals.get(op) ?? { op, ms: 0, cpuMs: 0, calls: 0 };
        entry.ms += performance.now() - start;
        entry.cpuMs += (used.user + used.system) / 1000;
        entry.calls++;
        totals.set(op, entry);
      }
    };
  }
  const start = performance.now();
  const cpu = process.cpuUsage();
  try {
    await fn();
  } finally {
    for (const op of BACKEND_OPS) delete backend[op];
  }
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - start;
  const ops = [...totals.values()].sort((a, b) => b.cpuMs - a.cpuMs);
  return { ms, cpuMs: (used.user + used.system) / 1000, ops };
}

/** Kernel times of `fn` under `tf.profile`, grouped by kernel name and by name + input shapes. */
export async function timeKernels(tf, fn) {
  const profile = await tf.profile(fn);
  const byName = new Map();
  const byShape = new Map();
  for (const k of profile.kernels) {
    const shapeKey = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    for (const [map, key] of [
      [byName, k.name],
      [byShape, shapeKey],
    ]) {
      const entry = map.get(key) ?? { kernel: key, ms: 0, calls: 0 };
      entry.ms += k.kernelTimeMs;
      entry.calls++;
      map.set(key, entry);
    }
  }
  const sorted = (map) => [...map.values()].sort((a, b) => b.ms - a.ms);
  const ms = profile.kernels.reduce((s, k) => s + k.kernelTimeMs, 0);
  return { ms, byName: sorted(byName), byShape: sorted(byShape) };
}

/**
 * Lines of a breakdown table: name, ms, share of `totalMs`, calls; with `cpuTotalMs`, also CPU
 * ms and the share of CPU time.
 */
export function formatBreakdown(rows, key, totalMs, limit = rows.length, cpuTotalMs) {
  return rows.slice(0, limit).map((r) => {
    const name = r[key].length > 60 ? `${r[key].slice(0, 57)}...` : r[key];
    const wall = `${r.ms.toFixed(0).padStart(6)} ms ${((100 * r.ms) / totalMs).toFixed(1).padStart(5)}%`;
    const cpu =
      cpuTotalMs === undefined
        ? ''
        : `  ${r.cpuMs.toFixed(0).padStart(6)} ms CPU ${((100 * r.cpuMs) / cpuTotalMs).toFixed(1).padStart(5)}%`;
    return `    ${name.padEnd(60)} ${wall}${cpu}  ${String(r.calls).padStart(4)} calls`;
  });
}
