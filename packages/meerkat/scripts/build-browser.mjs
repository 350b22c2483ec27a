// Bundles the browser client (src/browser/index.ts) into one ES module for browsers:
//
//   node scripts/build-browser.mjs            → dist/browser/meerkat-browser.js (+ .map)
//   node scripts/build-browser.mjs --out DIR  → DIR/meerkat-browser.js
//
// Workspace packages resolve to their TypeScript sources through the `meerkat-source` export
// condition, so no prior `turbo build` is needed. `platform: 'browser'` makes esbuild fail on any
// Node built-in the bundle pulls in — that failure is the check that the client is browser-safe.
//
// One exception, and only for the importers listed in NODE_ONLY_IMPORTERS: @meerkat/lm's
// model.ts imports checkpoint.ts (for `LlamaModel.load(dir)`, which reads through
// safetensors-node.ts), and tokenizer.ts holds `loadTokenizer(dir)` next to `LmTokenizer`; these
// modules import node:fs/node:path at the top. The browser never calls those functions (it loads
// through `loadModelFromBytes`), so for those three files only, node:fs and node:path resolve to
// a stub whose functions throw. Any other module that imports a Node built-in still fails the
// build. The stub can go once model.ts stops importing checkpoint.ts and `loadTokenizer` moves to
// its own module (see packages/lm/src/browser.ts).
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** lm source files that import node:fs / node:path only for functions the browser never calls. */
const NODE_ONLY_IMPORTERS = [
  join('packages', 'lm', 'src', 'checkpoint.ts'),
  join('packages', 'lm', 'src', 'tokenizer.ts'),
  join('packages', 'lm', 'src', 'safetensors-node.ts'),
];

/** The exports those files use; a new import fails the build ("No matching export"). */
const STUB_EXPORTS = {
  'node:fs': [
    'closeSync',
    'existsSync',
    'fstatSync',
    'openSync',
    'readFileSync',
    'readSync',
    'writeSync',
  ],
  'node:path': ['basename', 'dirname', 'join'],
};

function stubSource(moduleName) {
  const lines = STUB_EXPORTS[moduleName].map(
    (name) =>
      `export function ${name}() { throw new Error(${JSON.stringify(
        `${moduleName} ${name}() is not available in the browser: load models with loadModelFromUrls / loadModelFromFiles (meerkat/browser) or loadModelFromBytes (@meerkat/lm).`,
      )}); }`,
  );
  return lines.join('\n');
}

/** esbuild plugin: the stub above for the listed importers; everything else is left alone. */
const nodeOnlyStub = {
  name: 'meerkat-node-only-stub',
  setup(b) {
    b.onResolve({ filter: /^node:(fs|path)$/ }, (args) => {
      const allowed = NODE_ONLY_IMPORTERS.some((suffix) => args.importer.endsWith(sep + suffix));
      if (!allowed) return undefined; // esbuild reports the Node built-in as an error
      return { path: args.path, namespace: 'meerkat-node-stub' };
    });
    b.onLoad({ filter: /.*/, namespace: 'meerkat-node-stub' }, (args) => ({
      contents: stubSource(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Builds the bundle. Returns `{ outfile, bytes }`.
 * @param {{ outDir?: string, minify?: boolean }} [options]
 */
export async function buildBrowserBundle(options = {}) {
  const outDir = options.outDir ?? join(packageDir, 'dist', 'browser');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'meerkat-browser.js');
  const result = await build({
    entryPoints: [join(packageDir, 'src', 'browser', 'index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['meerkat-source'],
    // Whitespace and identifiers only: gpu.js compiles kernels from their JavaScript source, and
    // its WebGL translator rejects what syntax minification writes (e.g. `let a = 0, b = 0.5`
    // merged from two declarations fails with "Unhandled declaration").
    minifyWhitespace: options.minify ?? true,
    minifyIdentifiers: options.minify ?? true,
    minifySyntax: false,
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [nodeOnlyStub],
  });
  const bytes =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((p) => p.endsWith('.js'))]
      .bytes;
  return { outfile, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? resolve(process.argv[at + 1]) : undefined;
  try {
    const { outfile, bytes } = await buildBrowserBundle(outDir === undefined ? {} : { outDir });
    console.log(`${outfile}: ${(bytes / 1024).toFixed(1)} KiB`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
