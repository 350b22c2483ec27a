// Full-parameter ZO with a direction pool: each direction is filled by worker threads, with the
// same bits as one thread. Run: npm run build && node examples/direction-pool.mjs
import { fillDirection, fillDirectionRange, replay, ZoOptimizer } from '@meerkat/zo-estimator';
import { createDirectionPool } from '@meerkat/zo-estimator/node';

const pool = createDirectionPool(); // one worker per core (os.availableParallelism())
try {
  // 1. The pool's stream equals the single-thread stream, for any range.
  for (const [size, from] of [
    [0, 0],
    [5, 3],
    [1_000_003, 0],
    [250_001, 7],
  ]) {
    const out = await pool.fillRange(2026n, pool.allocate(size), from, { stream: 1 });
    const expected = fillDirectionRange(2026n, new Float32Array(size), from, { stream: 1 });
    if (!out.every((v, i) => Object.is(v, expected[i]))) throw new Error(`mismatch at ${size}`);
  }

  // 2. ZoOptimizer hands direction generation to the pool above its threshold (k >= 65 536).
  const k = 300_000;
  const target = fillDirection(7n, new Float32Array(k));
  const loss = (theta) => {
    let s = 0;
    for (let i = 0; i < k; i += 101) s += (theta[i] - target[i]) ** 2;
    return s;
  };
  const theta = new Float32Array(k);
  const optimizer = new ZoOptimizer(theta, { lr: 1e-3, directionPool: pool });
  const log = [];
  for (let step = 0; step < 20; step++) log.push((await optimizer.step(loss, BigInt(step))).record);
  const rebuilt = replay(new Float32Array(k), log, optimizer.updateOptions);
  if (!rebuilt.every((v, i) => Object.is(v, theta[i]))) throw new Error('replay differs');
  console.log(
    `pool of ${pool.threads} threads: directions and ${log.length} ZO steps (k = ${k}) match one thread and replay bit for bit`,
  );
} finally {
  await pool.close(); // stop the threads (an idle pool does not keep the process alive either)
}
