// Runs every package's examples (packages/*/examples/*.mjs) against the built packages and
// fails if any exits non-zero, so the examples in the READMEs cannot rot. `npm test` runs it
// after the build.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let failed = 0;
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'examples');
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
  } catch {
    continue;
  }
  for (const file of files) {
    const started = performance.now();
    const run = spawnSync(process.execPath, [join(dir, file)], {
      encoding: 'utf8',
      cwd: join(dir, '..'),
    });
    const ms = (performance.now() - started).toFixed(0);
    if (run.status === 0) {
      console.log(`example ok   packages/${pkg}/examples/${file} (${ms} ms)`);
    } else {
      failed++;
      console.log(
        `example FAIL packages/${pkg}/examples/${file} (exit ${run.status})\n${run.stdout}${run.stderr}`,
      );
    }
  }
}
if (failed > 0) {
  console.log(`${failed} example(s) failed`);
  process.exit(1);
}
