// Every primitive of @meerkat/seeded once, with the values any machine reproduces.
// Run after `npm run build`: node examples/seeded.mjs
import {
  crc32,
  fillHashStreamNormal,
  fnv1a32,
  fnv1a64Hex,
  nextStandardNormal,
  PhiloxUniformStream,
  philox4x32,
  sampleGamma,
  seededPermutation,
  shuffleInPlace,
} from '../dist/index.js';

const hex = (x) => `0x${x.toString(16).padStart(8, '0')}`;
const utf8 = (text) => new TextEncoder().encode(text);

// Checksums and hashes: the check values of the standards.
const check = crc32(utf8('123456789'));
console.log(`crc32("123456789")      = ${hex(check)}`);
console.log(`fnv1a32("foobar")       = ${hex(fnv1a32(utf8('foobar')))}`);
console.log(`fnv1a64Hex("foobar")    = ${fnv1a64Hex(utf8('foobar'))}`);

// Philox4x32-10: Random123's known-answer vector for counter 0, key 0.
const block = philox4x32(new Uint32Array(4), new Uint32Array(2));
console.log(`philox4x32(0, 0)        = ${Array.from(block, hex).join(' ')}`);

// A uniform stream: key = seed, counter = (block, substream, 0, domain).
const random = new PhiloxUniformStream(42n, 0x44454d4f /* "DEMO" */, 0);
console.log(`uniform words           = ${Array.from({ length: 4 }, () => random.nextUint32())}`);
console.log(
  `dice (nextBelow(6) + 1) = ${Array.from({ length: 10 }, () => random.nextBelow(6) + 1)}`,
);
console.log(
  `N(0, 1), Gamma(2)       = ${nextStandardNormal(random).toFixed(6)}, ${sampleGamma(random, 2).toFixed(6)}`,
);

// Two seeded orders: a shuffle that draws from a stream, a permutation rebuilt from a seed alone.
const deck = shuffleInPlace(['A', 'K', 'Q', 'J', '10', '9'], new PhiloxUniformStream(7n, 1));
console.log(`shuffleInPlace          = ${deck.join(' ')}`);
console.log(`seededPermutation(7n,8) = ${Array.from(seededPermutation(7n, 8))}`);

// The counter-hash stream of random weights: element i depends only on (seed, name, i).
const weights = new Float32Array(4);
fillHashStreamNormal(1, 'layer.weight', 0, weights, 0.02);
console.log(`weights                 = ${Array.from(weights, (w) => w.toFixed(5)).join(' ')}`);

if (check !== 0xcbf43926) process.exit(1);
