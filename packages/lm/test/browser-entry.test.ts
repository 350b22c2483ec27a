// `@meerkat/lm/browser` must bundle for a browser with no stub: esbuild with `platform: 'browser'`
// fails on any Node built-in (node:fs, fs, node:path, ...) that the bundle pulls in. Checked on
// the TypeScript sources (the `meerkat-source` condition, as workspace bundles resolve lm) and on
// the built dist/browser.js (as a published package resolves it).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createReferenceBackend } from '@meerkat/tensor';
import { type BuildFailure, type BuildOptions, build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const lmDir = fileURLToPath(new URL('..', import.meta.url));
const DIST_BROWSER = join(lmDir, 'dist', 'browser.js');
const HAVE_DIST = existsSync(DIST_BROWSER);
const DIST_SKIP_NOTE = HAVE_DIST
  ? ''
  : ` [SKIPPED: ${DIST_BROWSER} not built; run npx turbo run build --filter=@meerkat/lm]`;

/** Bundles `entry` (relative to packages/lm) for the browser, in memory. */
function bundleForBrowser(entry: string, options: BuildOptions) {
  return build({
    absWorkingDir: lmDir,
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...options,
  });
}

/** The build's error texts (esbuild rejects with a BuildFailure listing them). */
async function buildErrors(run: Promise<unknown>): Promise<string[]> {
  try {
    await run;
    return [];
  } catch (e) {
    return (e as BuildFailure).errors.map((m) => `${m.location?.file ?? '?'}: ${m.text}`);
  }
}

/** Imports a bundle's text as an ES module (written to a temporary .mjs file). */
async function importBundle(text: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'lm-browser-entry-'));
  try {
    const file = join(dir, 'browser-bundle.mjs');
    writeFileSync(file, text);
    return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** lm modules that import node:fs / node:path; none may be in a browser bundle. */
const NODE_ONLY_SOURCES = [
  'src/checkpoint.ts',
  'src/tokenizer.ts',
  'src/safetensors-node.ts',
  'src/random-checkpoint.ts',
];

describe('@meerkat/lm/browser is browser-clean', () => {
  it('src/browser.ts bundles with platform browser, without the Node-only lm modules', async () => {
    const options: BuildOptions = { conditions: ['meerkat-source', 'browser'] };
    expect(await buildErrors(bundleForBrowser('src/browser.ts', options))).toEqual([]);
    const inputs = Object.keys(
      (await bundleForBrowser('src/browser.ts', options)).metafile!.inputs,
    );
    expect(inputs).toContain('src/model.ts');
    expect(inputs).toContain('src/lm-tokenizer.ts');
    expect(inputs).toContain('src/checkpoint-browser.ts');
    for (const nodeOnly of NODE_ONLY_SOURCES) expect(inputs).not.toContain(nodeOnly);
  });

  it('the same check fails on the main entry (it exports the file-system functions)', async () => {
    const errors = await buildErrors(
      bundleForBrowser('src/index.ts', { conditions: ['meerkat-source', 'browser'] }),
    );
    expect(errors.some((e) => e.includes('src/checkpoint.ts') && e.includes('"node:fs"'))).toBe(
      true,
    );
    expect(errors.some((e) => e.includes('src/tokenizer.ts') && e.includes('"node:fs"'))).toBe(
      true,
    );
  });

  it('LlamaModel.load in the browser bundle throws LM_NODE_ONLY, pointing at loadModelFromBytes', async () => {
    const result = await bundleForBrowser('src/browser.ts', {
      conditions: ['meerkat-source', 'browser'],
    });
    const bundle = await importBundle(result.outputFiles![0]!.text);
    const LlamaModel = bundle['LlamaModel'] as { load(dir: string, backend: unknown): unknown };
    const LmError = bundle['LmError'] as new (...args: never[]) => Error;
    let thrown: unknown;
    try {
      LlamaModel.load('/models/stories260K', createReferenceBackend());
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LmError);
    expect((thrown as { code: string }).code).toBe('LM_NODE_ONLY');
    expect((thrown as Error).message).toContain('LlamaModel.load("/models/stories260K")');
    expect((thrown as Error).message).toContain('loadModelFromBytes');
    expect((thrown as Error).message).toContain('loadModelFromUrls');
  });

  it.skipIf(!HAVE_DIST)(
    `dist/browser.js bundles with platform browser and maps #load-checkpoint to the stub${DIST_SKIP_NOTE}`,
    async () => {
      // Only lm's own dist/ is under test here; its dependencies are bundled from source above.
      const options: BuildOptions = {
        conditions: ['browser'],
        external: ['@meerkat/tensor', '@huggingface/tokenizers'],
      };
      const errors = await buildErrors(bundleForBrowser('dist/browser.js', options));
      expect(
        errors,
        'dist/ may be older than src/: rebuild with npx turbo run build --filter=@meerkat/lm',
      ).toEqual([]);
      const inputs = Object.keys(
        (await bundleForBrowser('dist/browser.js', options)).metafile!.inputs,
      );
      expect(inputs).toContain('dist/checkpoint-browser.js');
      expect(inputs).not.toContain('dist/checkpoint.js');
      // Under Node (no `browser` condition) the same import is the real directory reader.
      const nodeInputs = Object.keys(
        (
          await build({
            absWorkingDir: lmDir,
            entryPoints: ['dist/index.js'],
            bundle: true,
            format: 'esm',
            platform: 'node',
            write: false,
            metafile: true,
            logLevel: 'silent',
            external: ['@meerkat/tensor', '@huggingface/tokenizers'],
          })
        ).metafile!.inputs,
      );
      expect(nodeInputs).toContain('dist/checkpoint.js');
      expect(nodeInputs).not.toContain('dist/checkpoint-browser.js');
    },
  );
});
