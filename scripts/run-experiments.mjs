// Runs experiment files one after another with the built CLI (`meerkat experiment FILE`), then
// prints each file's wall time and the grand total and writes them to
// experiments/results/timing.md. `npm run experiments` builds first, then runs this.
//
//   node scripts/run-experiments.mjs                       the default list (below)
//   node scripts/run-experiments.mjs --only gradip,baselines
//   node scripts/run-experiments.mjs -- --model stories15M  arguments after -- go to every run
//   --timing FILE writes the table elsewhere (default experiments/results/timing.md)
//
// Stops at the first experiment that fails (exit 1); the timings of the ones before it are
// printed, and timing.md is left as it was.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'packages', 'meerkat', 'dist', 'cli.js');
const experimentsDir = join(root, 'experiments');
const DEFAULT_FILES = [
  'baselines.json',
  'baselines-long.json',
  'sync-frequency.json',
  'gradip.json',
  'vp-vs-meerkat.json',
  'causal-lm.json',
];
// causal-lm.json runs when it exists; the others must.
const OPTIONAL = new Set(['causal-lm.json']);

function usage(message) {
  console.error(
    `${message}\nusage: node scripts/run-experiments.mjs [--only NAME,NAME] [--timing FILE] [-- ARGS FOR meerkat experiment]`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  let only = null;
  let timing = join(experimentsDir, 'results', 'timing.md');
  const passThrough = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      passThrough.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (value === undefined || value === '') usage('--only needs a list of names');
      only = value
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '');
    } else if (arg === '--timing' || arg.startsWith('--timing=')) {
      const value = arg === '--timing' ? argv[++i] : arg.slice('--timing='.length);
      if (value === undefined || value === '') usage('--timing needs a file');
      timing = resolve(value);
    } else if (arg === '--help' || arg === '-h') usage('Runs experiment files in order.');
    else usage(`unknown argument ${arg}`);
  }
  return { only, timing, passThrough };
}

/** `baselines`, `baselines.json` or `experiments/baselines.json` → experiments/baselines.json. */
function fileOf(name) {
  if (isAbsolute(name)) return name;
  if (name.includes('/')) return join(root, name);
  return join(experimentsDir, name.endsWith('.json') ? name : `${name}.json`);
}

function formatSeconds(seconds) {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h} h ${mm} min ${ss} s` : `${m} min ${ss} s`;
}

function run(file, passThrough) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [cli, 'experiment', file, ...passThrough], {
      cwd: root,
      stdio: 'inherit',
    });
    child.on('error', (error) => {
      console.error(error.message);
      resolveRun(1);
    });
    child.on('close', (code, signal) => resolveRun(code ?? (signal === null ? 1 : 128)));
  });
}

const { only, timing, passThrough } = parseArgs(process.argv.slice(2));
if (!existsSync(cli)) usage(`${relative(root, cli)} is missing: run \`npm run build\` first`);
let files;
if (only === null) {
  files = DEFAULT_FILES.map(fileOf).filter((f) => existsSync(f) || !OPTIONAL.has(basename(f)));
} else files = only.map(fileOf);
const missing = files.filter((f) => !existsSync(f));
if (missing.length > 0)
  usage(`no such experiment file: ${missing.map((f) => relative(root, f)).join(', ')}`);

const timings = [];
const started = performance.now();
let failed = null;
for (const file of files) {
  const name = relative(root, file);
  console.log(`\n=== ${name} (${timings.length + 1}/${files.length}) ===\n`);
  const t0 = performance.now();
  const code = await run(file, passThrough);
  const seconds = (performance.now() - t0) / 1000;
  timings.push({ name, seconds, code });
  if (code !== 0) {
    failed = { name, code };
    break;
  }
}
const total = (performance.now() - started) / 1000;

console.log('\nwall time per experiment file:');
const width = Math.max(...timings.map((t) => t.name.length));
for (const t of timings) {
  console.log(
    `  ${t.name.padEnd(width)}  ${formatSeconds(t.seconds)}${t.code === 0 ? '' : ` (failed, exit ${t.code})`}`,
  );
}
console.log(`  ${'total'.padEnd(width)}  ${formatSeconds(total)}`);

if (failed !== null) {
  console.log(`\n${failed.name} failed (exit ${failed.code}); ${relative(root, timing)} unchanged`);
  process.exit(1);
}

const cpu = cpus();
const lines = [
  '## Experiment wall times',
  '',
  `\`node scripts/run-experiments.mjs${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}\`, started ${new Date(Date.now() - total * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.versions.node}. Each file's time is its whole \`meerkat experiment\` invocation (model loading, mask calibration, training, reports); cells finished before are skipped, so a rerun is faster.`,
  '',
  '| experiment file | wall time |',
  '| :--- | ---: |',
  ...timings.map((t) => `| \`${t.name}\` | ${formatSeconds(t.seconds)} |`),
  `| **total** | **${formatSeconds(total)}** |`,
  '',
];
mkdirSync(dirname(timing), { recursive: true });
writeFileSync(timing, lines.join('\n'));
console.log(`\nwrote ${relative(root, timing)}`);
