import { captureIo } from '@meerkat/cli-kit';
import { describe, expect, it } from 'vitest';
import type { BenchReport } from '../src/cli/bench-report.js';
import { activationBytes, forwardFlops } from '../src/cli/forward-cost.js';
import { runCli } from '../src/cli/run-cli.js';
import { presetConfig } from '../src/presets.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../src/testing/model-dir.js';

async function bench(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(['bench', ...argv], io);
  return { code, out: io.out(), err: io.err() };
}

function close(a: number, b: number, rel = 1e-9): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.abs(b));
}

/** The fields of a report agree with each other and with an independent FLOP count. */
function checkConsistent(r: BenchReport, batch: number, seq: number, reps: number): void {
  const config = presetConfig('stories260K');
  expect(r.command).toBe('bench');
  expect(r.batch).toBe(batch);
  expect(r.seq).toBe(seq);
  expect(r.tokens).toBe(batch * seq);
  expect(r.params).toBe(260032);
  expect(r.weights_bytes).toBe(4 * 260032);
  expect(r.flops_per_forward).toBe(forwardFlops(config, r).total);
  expect(r.flops_2nt).toBe(2 * 260032 * batch * seq);
  const act = activationBytes(config, r);
  expect(r.activation_bytes).toBe(act.heldBytes + act.lossBytes);
  expect(r.loss_bytes).toBe(
    r.logits === 'all' ? 4 * (2 * batch * (seq - 1) * 512 + batch * (seq - 1)) : 0,
  );
  expect(r.backend_bytes_after_load).toBeGreaterThanOrEqual(r.weights_bytes);
  expect(r.backend_bytes_end).toBeGreaterThanOrEqual(r.weights_bytes);
  expect(r.forward_s_all).toHaveLength(reps);
  for (const t of r.forward_s_all) expect(t).toBeGreaterThan(0);
  expect(r.forward_s_min).toBe(Math.min(...r.forward_s_all));
  expect(r.forward_s).toBeGreaterThanOrEqual(r.forward_s_min);
  expect(r.forward_s).toBeLessThanOrEqual(Math.max(...r.forward_s_all));
  close(r.tokens_per_s, (batch * seq) / r.forward_s);
  close(r.gflops, r.flops_per_forward / r.forward_s / 1e9);
  close(r.matmul_fraction, r.gflops / r.matmul_gflops);
  expect(r.matmul_gflops).toBe(Math.max(...r.matmul_timings.map((t) => t.gflops)));
  for (const t of r.matmul_timings) close(t.gflops, (2 * t.m * t.k * t.n) / t.seconds / 1e9);
  expect(r.matmul_timings.map((t) => t.label)).toContain(r.matmul_best);
  expect(r.rss_start_bytes).toBeGreaterThan(0);
  expect(r.max_rss_bytes).toBeGreaterThanOrEqual(r.rss_after_load_bytes);
}

describe('meerkat-lm bench', { timeout: 60_000 }, () => {
  it('--json on random stories260K weights (tfjs:wasm): positive, mutually consistent numbers', async () => {
    const r = await bench(
      '--config',
      'stories260K',
      '--batch',
      '2',
      '--seq',
      '16',
      '--backend',
      'tfjs:wasm',
      '--warmup',
      '1',
      '--reps',
      '3',
      '--seed',
      '4',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as BenchReport;
    checkConsistent(report, 2, 16, 3);
    expect(report.backend).toBe('tfjs:wasm');
    expect(report.model).toBe('random stories260K (seed 4)');
    expect(report.source).toBe('config');
    expect(report.logits).toBe('all');
    // random weights with std 0.02 give nearly uniform predictions: loss ≈ ln(vocab)
    expect(report.loss).not.toBeNull();
    expect(Math.abs(report.loss! - Math.log(512))).toBeLessThan(0.05);
    // progress goes to stderr, one line per stage
    expect(r.err).toContain('meerkat-lm bench: warm-up 1/1');
    expect(r.err).toContain('meerkat-lm bench: forward 3/3');
    expect(r.err).toContain('meerkat-lm bench: matmul 256³');
  });

  it('--max-seconds 0 cuts warm-up and timing to one forward each, and the report says so', async () => {
    const r = await bench(
      '--config',
      'stories260K',
      '--batch',
      '1',
      '--seq',
      '4',
      '--backend',
      'tfjs:wasm',
      '--warmup',
      '3',
      '--reps',
      '5',
      '--max-seconds',
      '0',
      '--json',
      '--quiet',
    );
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as BenchReport;
    expect(report.warmup).toBe(1);
    expect(report.reps).toBe(1);
    checkConsistent(report, 1, 4, 1);
  });

  it.skipIf(!HAVE_STORIES)(
    `--model on the real stories260K with --logits last, readable and --quiet${STORIES_SKIP_NOTE}`,
    async () => {
      const r = await bench(
        '--model',
        STORIES_DIR,
        '--batch',
        '1',
        '--seq',
        '8',
        '--backend',
        'tfjs:wasm',
        '--logits',
        'last',
        '--warmup',
        '0',
        '--reps',
        '1',
        '--quiet',
      );
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toContain(`model          ${STORIES_DIR} (LlamaForCausalLM) on tfjs:wasm`);
      expect(r.out).toContain('batch 1 × seq 8 = 8 tokens, logits last');
      expect(r.out).toContain('260,032');
      expect(r.out).toMatch(/achieved\s+\d+\.\d+ GFLOP\/s = \d+\.\d% of this engine's best matmul/);
      expect(r.out).not.toContain('loss ');
      const json = await bench(
        '--model',
        STORIES_DIR,
        '--batch',
        '1',
        '--seq',
        '8',
        '--backend',
        'tfjs:wasm',
        '--logits',
        'last',
        '--warmup',
        '0',
        '--reps',
        '1',
        '--quiet',
        '--json',
      );
      const report = JSON.parse(json.out) as BenchReport;
      checkConsistent(report, 1, 8, 1);
      expect(report.loss).toBeNull();
      expect(report.source).toBe('model');
      expect(report.flops_linear).toBe(forwardFlops(presetConfig('stories260K'), report).linear);
    },
  );
});
