// The browser client in a real browser: headless Chromium (Debian's, via playwright-core) loads
// the bundle built from src/browser, fetches stories260K from a local static server, reproduces
// golden.json's logits, and runs ZO steps whose (seed, g) records Node replays to the same θ —
// on reference:cpu, gpujs:webgl2 and ONNX Runtime Web's ort:wasm (single-threaded, and
// multi-threaded on a cross-origin isolated page); ort:webgpu without an adapter fails by name.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { CHROMIUM_PATH, type Chromium, launchChromium } from '../src/testing/launch-chromium.js';
import { type StaticServer, startStaticServer } from './static-server.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from './stories.js';

const here = new URL('.', import.meta.url);
const packageDir = fileURLToPath(new URL('..', here));
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
  forward(text: string): { ids: number[]; lastLogits: number[]; argmax: number[]; ms: number };
  zoSteps(args: ZoArgs): ZoRun;
  ortInfo(): {
    crossOriginIsolated: boolean;
    hardwareConcurrency: number;
    summary: string;
    numThreads: number | null;
  };
  tryWebgpu():
    | { ok: true; gpu: string; name: string; summary: string }
    | { ok: false; gpu: string; errorName: string; code: string | null; message: string };
}

/** A page of the test: the backend it loads the model on, and whether it is cross-origin isolated. */
interface PageSetup {
  readonly label: string;
  readonly backend: string;
  readonly isolated: boolean;
}

const PAGES: readonly PageSetup[] = [
  { label: 'reference:cpu', backend: 'reference:cpu', isolated: false },
  { label: 'gpujs:webgl2', backend: 'gpujs:webgl2', isolated: false },
  { label: 'ort:wasm', backend: 'ort:wasm', isolated: false },
  { label: 'ort:wasm (cross-origin isolated)', backend: 'ort:wasm', isolated: true },
];

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
  /** The same files with COOP/COEP headers: its pages are cross-origin isolated. */
  let isolatedServer: StaticServer;
  let browser: Chromium;
  let bundleBytes = 0;
  let outDir: string | undefined;
  /** Console errors, uncaught exceptions and failed requests of every page, with the page's backend. */
  const pageProblems: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    // The build command of the README; it fails on any Node built-in in the bundle. It writes to
    // a directory of its own, which a concurrent `turbo build` (tsup --clean of dist/) or another
    // run of this test cannot delete or overwrite under the page.
    outDir = mkdtempSync(join(tmpdir(), 'meerkat-browser-bundle-'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['scripts/build-browser.mjs', '--out', outDir],
      { cwd: packageDir },
    );
    const bundle = join(outDir, 'meerkat-browser.js');
    bundleBytes = readFileSync(bundle).length;
    const model = (name: string) => [`/model/${name}`, join(STORIES_DIR, name)] as const;
    // onnxruntime-web's loader and binary, copied beside the bundle by the build.
    const ortDir = join(outDir, 'ort');
    const ort = readdirSync(ortDir).map((name) => [`/ort/${name}`, join(ortDir, name)] as const);
    const routes = new Map([
      ['/', fileURLToPath(new URL('page.html', here))],
      ['/page.js', fileURLToPath(new URL('page.js', here))],
      ['/meerkat-browser.js', bundle],
      ['/meerkat-browser.js.map', `${bundle}.map`],
      ...ort,
      model('config.json'),
      model('model.safetensors'),
      model('tokenizer.json'),
      model('tokenizer_config.json'),
    ]);
    server = await startStaticServer(routes);
    isolatedServer = await startStaticServer(routes, { crossOriginIsolated: true });
    browser = await launchChromium();
    console.log(`${stdout.trim()}; server ${server.origin}; setup ${Date.now() - started} ms`);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await isolatedServer?.close();
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
    if (browser !== undefined) expect(existsSync(browser.userDataDir)).toBe(false);
  });

  async function openPage(label: string, isolated = false, inBrowser = browser): Promise<Page> {
    const page = await inBrowser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') pageProblems.push(`${label} console: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageProblems.push(`${label} exception: ${e.message}`));
    page.on('requestfailed', (r) => pageProblems.push(`${label} request failed: ${r.url()}`));
    await page.goto(`${(isolated ? isolatedServer : server).origin}/`);
    await page.waitForFunction(() => 'meerkatTest' in globalThis, undefined, { timeout: 20_000 });
    return page;
  }

  /**
   * Loads stories260K on `backendName` in the page and checks every golden case: ids, argmax per
   * position, last logits within LOGIT_TOLERANCE. Logs the forward time of each case (the first
   * forward of a shape: ort:* builds its session then, gpujs compiles its kernels).
   */
  async function expectGoldenLogits(page: Page, backendName: string, label: string) {
    const loaded = await callPage(page, 'load', backendName);
    expect(loaded).toEqual({ backend: backendName, parameterCount: 260_032 });
    let maxDiff = 0;
    const ms: number[] = [];
    for (const c of golden.cases) {
      const out = await callPage(page, 'forward', c.text);
      ms.push(out.ms);
      expect(out.ids).toEqual(c.ids);
      expect(out.argmax).toEqual(c.argmax_per_position);
      expect(out.lastLogits).toHaveLength(c.last_logits.length);
      out.lastLogits.forEach((v, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - c.last_logits[i]!));
      });
    }
    console.log(
      `${label} in Chromium: ${golden.cases.length} golden cases, max |Δ last logit| ${maxDiff.toExponential(2)}; forward ms per case (${golden.cases.map((c) => c.ids.length).join(', ')} tokens): ${ms.map((m) => m.toFixed(1)).join(', ')}`,
    );
    expect(golden.cases.length).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(LOGIT_TOLERANCE);
  }

  function expectNoPageProblems(): void {
    expect(pageProblems).toEqual([]);
    expect(server.notFound).toEqual([]);
    expect(isolatedServer.notFound).toEqual([]);
  }

  describe.each(PAGES)('page backend $label', ({ label, backend: backendName, isolated }) => {
    let page: Page;
    beforeAll(async () => {
      page = await openPage(label, isolated);
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
      await expectGoldenLogits(page, backendName, label);
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
        `ZO in Chromium on ${label}: ${run.records.length} steps, ${run.ms.toFixed(0)} ms; g = ${run.records
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
        const name = label.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '');
        const path = screenshot.replace(/(\.png)?$/, `-${name}.png`);
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

    if (backendName.startsWith('ort:')) {
      it('(5) runs onnxruntime-web with as many wasm threads as the page allows, and says how many', async () => {
        const info = await callPage(page, 'ortInfo');
        console.log(
          `${label}: ${info.summary}; crossOriginIsolated ${info.crossOriginIsolated}, hardwareConcurrency ${info.hardwareConcurrency}`,
        );
        expect(info.crossOriginIsolated).toBe(isolated);
        expect(info.numThreads).toBe(isolated ? info.hardwareConcurrency : 1);
        expect(info.summary).toContain(
          `wasm threads: ${info.numThreads} (${isolated ? 'cross-origin isolated' : 'not cross-origin isolated'}`,
        );
        expectNoPageProblems();
      });
    }
  });

  it('ort:webgpu without a WebGPU adapter fails with TENSOR_BACKEND_UNAVAILABLE naming it, and does not fall back to wasm', async () => {
    const page = await openPage('ort:webgpu');
    try {
      const result = await callPage(page, 'tryWebgpu');
      console.log(`ort:webgpu in Chromium (adapter: ${result.gpu}): ${JSON.stringify(result)}`);
      if (result.gpu === 'adapter') {
        // A machine whose Chromium has a WebGPU adapter without flags: the engine must work.
        expect(result).toMatchObject({ ok: true, name: 'ort:webgpu' });
      } else {
        expect(result).toMatchObject({
          ok: false,
          errorName: 'TensorError',
          code: 'TENSOR_BACKEND_UNAVAILABLE',
        });
        const message = result.ok ? '' : result.message;
        expect(message).toMatch(
          /ort:webgpu: no WebGPU adapter: navigator\.gpu(\.requestAdapter\(\) returned null| is undefined)/,
        );
        expect(message).not.toContain('ort:wasm');
      }
    } finally {
      await page.close();
    }
    expectNoPageProblems();
  }, 30_000);

  describe('ort:webgpu with --enable-unsafe-webgpu', () => {
    // Without a GPU, this flag gives Chromium a fallback adapter (SwiftShader's Vulkan on the
    // CPU): slow, but onnxruntime-web's WebGPU provider runs on it.
    let webgpuBrowser: Chromium;
    let page: Page;
    beforeAll(async () => {
      webgpuBrowser = await launchChromium(['--enable-unsafe-webgpu']);
      page = await openPage('ort:webgpu', false, webgpuBrowser);
    }, 60_000);
    afterAll(async () => {
      await webgpuBrowser?.close();
      if (webgpuBrowser !== undefined) expect(existsSync(webgpuBrowser.userDataDir)).toBe(false);
    });

    it('reproduces the golden logits on ort:webgpu where an adapter exists (else fails naming it)', async () => {
      const probe = await callPage(page, 'tryWebgpu');
      console.log(
        `ort:webgpu with --enable-unsafe-webgpu (adapter: ${probe.gpu}): ${JSON.stringify(probe)}`,
      );
      if (probe.gpu !== 'adapter') {
        expect(probe).toMatchObject({ ok: false, code: 'TENSOR_BACKEND_UNAVAILABLE' });
        expect(probe.ok ? '' : probe.message).toContain('ort:webgpu: no WebGPU adapter');
        return;
      }
      expect(probe).toMatchObject({ ok: true, name: 'ort:webgpu' });
      await expectGoldenLogits(page, 'ort:webgpu', 'ort:webgpu (--enable-unsafe-webgpu)');
      expect((await callPage(page, 'ortInfo')).summary).toMatch(/^chose ort:webgpu; wasm threads/);
      expectNoPageProblems();
    }, 180_000);
  });
});
