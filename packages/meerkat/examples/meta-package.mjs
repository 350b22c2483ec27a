// What the meta-package holds: `import … from 'meerkat'` gives the trainer's and the NATS
// transport's names directly (the same objects as from @meerkat/trainer and
// @meerkat/nats-transport) and the other packages as namespaces. Prints each namespace with its
// number of exports, checks that a few names are the packages' own objects, and runs the built
// `meerkat` command (bin/meerkat.js --help) to print its command list. About 2 s.
//
//   npx turbo run build --filter=meerkat... && node examples/meta-package.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as nats from '@meerkat/nats-transport';
import * as trainer from '@meerkat/trainer';
import * as meerkat from 'meerkat';

const namespaces = Object.entries(meerkat)
  .filter(([, value]) => Object.prototype.toString.call(value) === '[object Module]')
  .map(([name, ns]) => `${name} (${Object.keys(ns).length})`);
console.log(`namespaces: ${namespaces.join(', ')}`);
console.log(`names at the top level: ${Object.keys(meerkat).length - namespaces.length}`);
for (const [name, reexported, own] of [
  ['Meerkat', meerkat.Meerkat, trainer.Meerkat],
  ['parseRunConfig', meerkat.parseRunConfig, trainer.parseRunConfig],
  ['serveRun', meerkat.serveRun, nats.serveRun],
  ['joinRun', meerkat.joinRun, nats.joinRun],
]) {
  const same = reexported === own;
  console.log(`meerkat.${name} is ${same ? 'the same object as' : 'NOT'} the package's own`);
  if (!same) process.exitCode = 1;
}

const bin = fileURLToPath(new URL('../bin/meerkat.js', import.meta.url));
const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
console.log(`$ meerkat --help  (exit ${help.status})`);
console.log(help.stdout.trimEnd());
if (help.status !== 0) {
  console.log(help.stderr);
  process.exitCode = 1;
}
