// Throughput of the primitives on this machine. Run after `npm run build`: npm run bench
import {
  crc32,
  fnv1a64Hex,
  PhiloxUniformStream,
  philox4x32Into,
  seededPermutation,
} from '../dist/index.js';

/** Calls `work` (which does `units` of something) until 300 ms have passed; returns units/s. */
function unitsPerSecond(units, work) {
  work(); // warm-up
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < 300) {
    work();
    calls++;
  }
  return (calls * units * 1000) / (performance.now() - start);
}

const MIB = 1 << 20;
const bytes = Uint8Array.from({ length: 4 * MIB }, (_, i) => (i * 2654435761) >>> 24);
const block = new Uint32Array(4);
const permutation = new Uint32Array(MIB);

const cases = [
  ['crc32', 'MiB/s', unitsPerSecond(4, () => crc32(bytes))],
  ['fnv1a64Hex', 'MiB/s', unitsPerSecond(1, () => fnv1a64Hex(bytes.subarray(0, MIB)))],
  [
    'philox4x32Into',
    'M blocks/s',
    unitsPerSecond(1, () => {
      for (let b = 0; b < 1e6; b++) philox4x32Into(b, 0, 0, 0, 1, 2, block);
    }),
  ],
  [
    'PhiloxUniformStream.nextUint32',
    'M words/s',
    unitsPerSecond(1, () => {
      const random = new PhiloxUniformStream(1n, 2);
      for (let i = 0; i < 1e6; i++) random.nextUint32();
    }),
  ],
  [
    'seededPermutation, 2^20 entries',
    'per s',
    unitsPerSecond(1, () => seededPermutation(3n, MIB, permutation)),
  ],
];
console.log(`@meerkat/seeded bench, Node ${process.version}`);
for (const [name, unit, rate] of cases)
  console.log(`${name.padEnd(34)} ${rate.toFixed(1)} ${unit}`);
