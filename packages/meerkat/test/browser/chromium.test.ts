// The browser client in a real browser: headless Chromium (Debian's, via playwright-core) loads
// the bundle built from src/browser, fetches stories260K from a local static server, reproduces
// golden.json's logits, and runs ZO steps whose (seed, g) records Node replays to the same θ.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  causalLmLoss,
  LlamaModel,
  loadTokenizer,
  parameterSpecs,
  TrainableView,
} from '@meerkat/lm';
import { createLayout, randomMask } from '@meerkat/sparse-mask';
import { createReferenceBackend } from '@meerkat/tensor';
import {
  estimateProjectedGradient,
  replay,
  resolveEstimateOptions,
  type StepRecord,
} from '@meerkat/zo-estimator';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, type Chromium, launchChromium } from './launch-chromium.js';
import { type StaticServer, startStaticServer } from './static-server.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './stories.js';

const here = new URL('.', import.meta.url);
const packageDir = fileURLToPath(new URL('../..', here));
const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
const SKIP_NOTE = !HAVE_STORIES
  ? STORIES_SKIP_NOTE
  : !HAVE_CHROMIUM
    ? ` [SKIPPED: ${CHROMIUM_PATH} not found; apt-get install -y chromium]`
    : '';

interface GoldenCase {
  readonly text: string;
  readonly ids: number[];
  readonly last_logits: number[];
  readonly argmax_per_position: number[];
}

/** What the page's zoSteps task returns (bigint seeds as decimal strings). */
interface ZoRun {
  readonly layoutFingerprint: string;
  readonly maskIndices: number[];
  readonly theta0: number[];
  readonly theta: number[];
  readonly records: { seed: string; g: number }[];
  readonly losses: number[];
  readonly forwardPasses: number;
  readonly ms: number;
}

/** Golden logits tolerance: the bound lm's own golden tests use (reference:cpu measures 1.1e-5). */
const LOGIT_TOLERANCE = 1e-4;
/** The arguments of the page's zoSteps task (the seeds as decimal strings: bigints do not cross). */
interface ZoArgs {
  readonly density: number;
  readonly maskSeed: number;
  readonly runSeed: string;
  readonly clientId: string;
  readonly lr: number;
  readonly eps: number;
  readonly round: number;
  readonly texts: readonly string[];
}
/** The ZO run of test (3). */
const ZO: Omit<ZoArgs, 'texts'> = {
  density: 1e-3,
  maskSeed: 7,
  runSeed: '2026',
  clientId: 'browser-0',
  lr: 1e-2,
  eps: 1e-3,
  round: 3,
};
/**
 * A loss of the browser and the same loss in Node agree within LOSS_TOLERANCE: a mean NLL over
 * tokens, whose logits agree to ~1e-5 (golden) with errors that mostly average out; measured
 * 2.0e-7 on gpujs:webgl2 (SwiftShader), 0 on reference:cpu. g = (L+ − L−)/2ε then agrees within
 * LOSS_TOLERANCE/ε = 5e-3 (measured 3.4e-4 and 0).
 */
const LOSS_TOLERANCE = 5e-6;

/** The tasks page.js puts on `window.meerkatTest`. */
interface PageApi {
  webgl2Info(): {
    available: boolean;
    renderer: string | null;
    vendor: string | null;
    version: string | null;
  };
  load(backend: string): { backend: string; parameterCount: number };
  forward(text: string): { ids: number[]; lastLogits: number[]; argmax: number[] };
  zoSteps(args: ZoArgs): ZoRun;
}

/** Calls a page task; a failure inside the page rejects with the task's name, code and message. */
function callPage<K extends keyof PageApi>(
  page: Page,
  name: K,
  ...args: Parameters<PageApi[K]>
): Promise<ReturnType<PageApi[K]>> {
  return page.evaluate(
    ([task, taskArgs]) =>
      (globalThis as unknown as { meerkatTest: Record<string, (...a: unknown[]) => unknown> })
        .meerkatTest[task]!(...taskArgs),
    [name, args] as const,
  ) as Promise<ReturnType<PageApi[K]>>;
}

const float32Bits = (values: ArrayLike<number>) =>
  Array.from(new Uint32Array(Float32Array.from(values).buffer));

describe.skipIf(SKIP_NOTE !== '')(`the browser client in headless Chromium${SKIP_NOTE}`, () => {
  const golden = HAVE_STORIES
    ? (JSON.parse(readFileSync(join(STORIES_DIR, 'golden.json'), 'utf8')) as {
        cases: GoldenCase[];
      })
    : { cases: [] };
  let server: StaticServer;
  let browser: Chromium;
  let bundleBytes = 0;
  /** Console errors, uncaught exceptions and failed requests of every page, with the page's backend. */
  const pageProblems: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    // The exact build command of the README; it fails on any Node built-in in the bundle.
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/build-browser.mjs'], {
      cwd: packageDir,
    });
    const bundle = join(packageDir, 'dist', 'browser', 'meerkat-browser.js');
    bundleBytes = readFileSync(bundle).length;
    const model = (name: string) => [`/model/${name}`, join(STORIES_DIR, name)] as const;
    server = await startStaticServer(
      new Map([
        ['/', fileURLToPath(new URL('page.html', here))],
        ['/page.js', fileURLToPath(new URL('page.js', here))],
        ['/meerkat-browser.js', bundle],
        ['/meerkat-browser.js.map', `${bundle}.map`],
        model('config.json'),
        model('model.safetensors'),
        model('tokenizer.json'),
        model('tokenizer_config.json'),
      ]),
    );
    browser = await launchChromium();
    console.log(`${stdout.trim()}; server ${server.origin}; setup ${Date.now() - started} ms`);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (browser !== undefined) expect(existsSync(browser.userDataDir)).toBe(false);
  });

  async function openPage(label: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') pageProblems.push(`${label} console: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageProblems.push(`${label} exception: ${e.message}`));
    page.on('requestfailed', (r) => pageProblems.push(`${label} request failed: ${r.url()}`));
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => 'meerkatTest' in globalThis, undefined, { timeout: 20_000 });
    return page;
  }

  function expectNoPageProblems(): void {
    expect(pageProblems).toEqual([]);
    expect(server.notFound).toEqual([]);
  }

  describe.each(['reference:cpu', 'gpujs:webgl2'])('page backend %s', (backendName) => {
    let page: Page;
    beforeAll(async () => {
      page = await openPage(backendName);
    }, 30_000);
    afterAll(async () => {
      await page?.close();
    });

    it('(1) has WebGL2 from SwiftShader and no console errors', async () => {
      const info = await callPage(page, 'webgl2Info');
      console.log(`WebGL2 renderer: ${info.renderer}; vendor ${info.vendor}; ${info.version}`);
      expect(info.available).toBe(true);
      expect(info.renderer).toMatch(/SwiftShader/i);
      expectNoPageProblems();
    });

    it('(2) loads stories260K from URLs and reproduces the golden logits', async () => {
      const loaded = await callPage(page, 'load', backendName);
      expect(loaded).toEqual({ backend: backendName, parameterCount: 260_032 });
      let maxDiff = 0;
      for (const c of golden.cases) {
        const out = await callPage(page, 'forward', c.text);
        expect(out.ids).toEqual(c.ids);
        expect(out.argmax).toEqual(c.argmax_per_position);
        expect(out.lastLogits).toHaveLength(c.last_logits.length);
        out.lastLogits.forEach((v, i) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - c.last_logits[i]!));
        });
      }
      console.log(
        `${backendName} in Chromium: ${golden.cases.length} golden cases, max |Δ last logit| ${maxDiff.toExponential(2)}`,
      );
      expect(golden.cases.length).toBeGreaterThan(0);
      expect(maxDiff).toBeLessThan(LOGIT_TOLERANCE);
      expectNoPageProblems();
    }, 120_000);

    it('(3) runs ZO steps over a sparse mask whose (seed, g) records replay in Node to the same θ', async () => {
      const texts = golden.cases.slice(1, 4).map((c) => c.text);
      expect(texts).toHaveLength(3);
      const run = await callPage(page, 'zoSteps', { ...ZO, texts });

      // The same seeded mask in Node (xoshiro128** is pure integer arithmetic).
      const nodeBackend = createReferenceBackend();
      const model = LlamaModel.load(STORIES_DIR, nodeBackend);
      const layout = createLayout(parameterSpecs(model.config));
      const mask = randomMask(layout, { density: ZO.density }, BigInt(ZO.maskSeed));
      expect(run.layoutFingerprint).toBe(layout.fingerprint);
      expect(run.maskIndices).toEqual(Array.from(mask.indices));
      expect(mask.indices.length).toBe(260);

      // θ₀ read in the browser = the checkpoint's values at the mask.
      const view = await TrainableView.create(model, mask.indices);
      const theta0 = view.read();
      expect(float32Bits(run.theta0)).toEqual(float32Bits(theta0));

      // The records: one per step, seeds derived from (runSeed, round, clientId, t), g finite ≠ 0.
      const records: StepRecord[] = run.records.map((r) => ({ seed: BigInt(r.seed), g: r.g }));
      expect(records).toHaveLength(3);
      for (const r of records) {
        expect(Number.isFinite(r.g)).toBe(true);
        expect(r.g).not.toBe(0);
      }
      expect(new Set(run.records.map((r) => r.seed)).size).toBe(3);
      expect(run.forwardPasses).toBe(6);

      // Replay in Node from θ₀ gives the browser's θ bit for bit, and θ did move.
      const replayed = replay(Float32Array.from(theta0), records, ZO.lr);
      expect(float32Bits(replayed)).toEqual(float32Bits(run.theta));
      expect(float32Bits(run.theta)).not.toEqual(float32Bits(theta0));

      // Node recomputes step 0's two losses with its own backend (reference:cpu) at the same seed.
      const tokenizer = loadTokenizer(STORIES_DIR);
      const ids = Uint32Array.from(tokenizer.encode(texts[0]!));
      const nodeTheta = Float32Array.from(theta0);
      const estimate = await estimateProjectedGradient(
        nodeTheta,
        async (values) => {
          view.write(values);
          return (await causalLmLoss(model, ids, [1, ids.length])).mean;
        },
        records[0]!.seed,
        resolveEstimateOptions({ eps: ZO.eps }),
      );
      const nodeMeanLoss = (estimate.lossPlus[0]! + estimate.lossMinus[0]!) / 2;
      const gDiff = Math.abs(estimate.g - records[0]!.g);
      console.log(
        `ZO in Chromium: ${run.records.length} steps, ${run.ms.toFixed(0)} ms; g = ${run.records
          .map((r) => r.g.toPrecision(5))
          .join(
            ', ',
          )}; Node step 0: g ${estimate.g.toPrecision(8)} vs ${records[0]!.g.toPrecision(8)} (|Δg| ${gDiff.toExponential(2)}), mean loss |Δ| ${Math.abs(nodeMeanLoss - run.losses[0]!).toExponential(2)}`,
      );
      expect(Math.abs(nodeMeanLoss - run.losses[0]!)).toBeLessThan(LOSS_TOLERANCE);
      expect(gDiff).toBeLessThan(LOSS_TOLERANCE / ZO.eps);
      model.dispose();
      expectNoPageProblems();
    }, 120_000);

    it('shows its status lines on the page', async () => {
      // MEERKAT_BROWSER_SCREENSHOT=/tmp/x.png saves each page as /tmp/x-<backend>.png.
      const screenshot = process.env['MEERKAT_BROWSER_SCREENSHOT'];
      if (screenshot) {
        const path = screenshot.replace(/(\.png)?$/, `-${backendName.replace(':', '-')}.png`);
        await page.screenshot({ path, fullPage: true });
      }
      const lines = await page.locator('#status div').allTextContents();
      expect(lines[0]).toBe('page ready');
      expect(lines.some((l) => l.startsWith('loaded stories260K (260032 parameters)'))).toBe(true);
      expect(lines.filter((l) => l.startsWith('ZO step '))).toHaveLength(3);
      expect(bundleBytes).toBeGreaterThan(0);
      expectNoPageProblems();
    });

    it('(4) a failure inside the page fails the caller with its type, code and message', async () => {
      const texts = [golden.cases[0]!.text];
      const shownBefore = await page.locator('#status .error').count();
      const zoError = await callPage(page, 'zoSteps', { ...ZO, lr: -1, texts }).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(zoError).toMatch(/zoSteps failed: ZoError ZO_INVALID_ARGUMENT: .*lr/);
      const backendError = await callPage(page, 'load', 'no-such:backend').then(
        () => null,
        (e: Error) => e.message,
      );
      expect(backendError).toContain('load failed: Error: unknown backend no-such:backend');
      const shown = await page.locator('#status .error').allTextContents();
      expect(shown.slice(shownBefore)).toEqual([
        expect.stringMatching(/^zoSteps failed: ZoError ZO_INVALID_ARGUMENT/),
        expect.stringMatching(/^load failed: Error: unknown backend/),
      ]);
      expectNoPageProblems();
    });
  });
});
