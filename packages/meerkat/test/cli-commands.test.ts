import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from '@meerkat/cli-kit';
import { MeerkatError, type RoundMetrics, type RunSummary } from '@meerkat/trainer';
import { HAVE_STORIES, STORIES_SKIP_NOTE } from '@meerkat/trainer/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MeerkatIo } from '../src/cli/cli-io.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import { runCli } from '../src/cli/run-cli.js';
import { memoryIo } from './memory-io.js';
import { calibrateTinyMask, cli, tinyRunConfig, trainTiny } from './tiny-cli-runs.js';

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-cli-'));

async function run(argv: string[], cwd = scratch) {
  const io = memoryIo(cwd);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('meerkat (usage)', () => {
  it('lists every command in --help and exits 0; no command prints the help on stderr, exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.err).toBe('');
    for (const name of ['demo', 'calibrate', 'train', 'eval', 'report', 'experiment']) {
      expect(help.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    expect(help.out).toContain('Progress goes to stderr, results to stdout.');
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.out).toBe('');
    expect(none.err).toBe(help.out);
  });

  it('prints each command’s help with all of its options', async () => {
    for (const command of COMMANDS) {
      const r = await run([command.spec.name, '--help']);
      expect(r.code, command.spec.name).toBe(0);
      expect(r.out).toContain(`Usage: meerkat ${command.spec.name}`);
      for (const flag of command.spec.flags) expect(r.out).toContain(`--${flag.name}`);
    }
    expect((await run(['help', 'train'])).out).toContain('Usage: meerkat train');
  });

  it('rejects an unknown command and bad flags with one line and exit 2', async () => {
    const unknown = await run(['trian']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(
      `meerkat: unknown command "trian"; commands: ${COMMANDS.map((c) => c.spec.name).join(', ')} (see meerkat --help)\n`,
    );
    const density = await run(['calibrate', '--model', 'm', '--density', '0']);
    expect(density.code).toBe(2);
    expect(density.err).toBe(
      'meerkat calibrate: --density must be a number > 0 and ≤ 1, got "0" (see meerkat calibrate --help)\n',
    );
    const flag = await run(['report', 'x', '--outt', 'r.html']);
    expect(flag.code).toBe(2);
    expect(flag.err).toBe(
      'meerkat report: unknown flag --outt for report; allowed: --out, --title (see meerkat report --help)\n',
    );
    const missing = await run(['train']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(
      'meerkat train: give --config FILE.json (a new run) or --resume RUN_DIR (continue one) (see meerkat train --help)\n',
    );
    const model = await run(['calibrate']);
    expect(model.code).toBe(2);
    expect(model.err).toMatch(/^meerkat calibrate: calibrate needs --model MODEL \(/);
  });

  it('prints every config problem on its own line with its path (exit 2)', async () => {
    const file = join(scratch, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        model: 'm',
        runDir: 'r',
        method: 'meerkat-vpp',
        clients: 0,
        partition: { kind: 'dirichlet', alpah: 1 },
      }),
    );
    const r = await run(['train', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toEqual([
      'meerkat train: MEERKAT_CONFIG_INVALID: invalid run config (3 problems):',
      '  method: unknown value "meerkat-vpp" (allowed: "meerkat" | "meerkat-vp" | "full-zo" | "random-mask" | "magnitude-mask" | "fedavg-sgd")',
      '  partition.alpah: unknown key "alpah" (allowed: kind, alpha, minSize)',
      '  clients: 0 is too small (allowed: > 0)',
    ]);
    const notJson = join(scratch, 'not.json');
    writeFileSync(notJson, '{ model: ');
    const bad = await run(['train', '--config', notJson]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /^meerkat train: MEERKAT_CONFIG_INVALID: run config .*not\.json is not valid JSON/,
    );
  });

  it('reports other failures with their code on one line, exit 1 (the stack with MEERKAT_DEBUG)', async () => {
    const failing = (error: Error): CliCommand<MeerkatIo> => ({
      spec: { name: 'boom', summary: 'Fails.', flags: [] },
      run: () => Promise.reject(error),
    });
    const denied = Object.assign(new Error('cannot write out/'), { code: 'EACCES' });
    const io = memoryIo(scratch);
    expect(await runCli(['boom'], io, [failing(denied)])).toBe(1);
    expect(io.err()).toBe('meerkat boom: EACCES: cannot write out/\n');
    const debug = memoryIo(scratch, { env: { MEERKAT_DEBUG: '1' } });
    expect(await runCli(['boom'], debug, [failing(denied)])).toBe(1);
    const lines = debug.err().trimEnd().split('\n');
    expect(lines[0]).toBe('meerkat boom: EACCES: cannot write out/');
    expect(lines[1]).toBe('  Error: cannot write out/');
    expect(lines[2]).toMatch(/^ {4,}at /);
    const protocol = memoryIo(scratch);
    const lost = new MeerkatError('MEERKAT_PROTOCOL', 'client-003 sent round 4 during round 5');
    expect(await runCli(['boom'], protocol, [failing(lost)])).toBe(1);
    expect(protocol.err()).toBe(
      'meerkat boom: MEERKAT_PROTOCOL: client-003 sent round 4 during round 5\n',
    );
  });

  it('explains how to pass a Hugging Face model directory when the demo model is missing', async () => {
    const r = await run(['demo', '--model', join(scratch, 'no-model')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no such directory');
    expect(r.err).toContain('Hugging Face Llama-family model directory');
    expect(r.err).toContain('config.json, model.safetensors');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('says a directory without metrics.jsonl is not a run directory', async () => {
    const r = await run(['report', scratch, '--out', join(scratch, 'r.html')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^meerkat report: MEERKAT_FILE_NOT_FOUND: /);
    expect(r.err).toContain('metrics.jsonl is missing');
  });
});

describe.skipIf(!HAVE_STORIES)(`meerkat train / eval on stories260K${STORIES_SKIP_NOTE}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'meerkat-cli-train-'));
  let trained: { runDir: string; out: string; err: string };
  let summary: RunSummary;
  let metrics: RoundMetrics[];

  beforeAll(async () => {
    const mask = await calibrateTinyMask(dir);
    trained = await trainTiny(dir, tinyRunConfig('vp', mask, { method: 'meerkat-vp' }));
    summary = JSON.parse(readFileSync(join(trained.runDir, 'summary.json'), 'utf8')) as RunSummary;
    metrics = readFileSync(join(trained.runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RoundMetrics);
  }, 120_000);

  it('prints one plain progress line per round off a terminal, and the result on stdout', () => {
    const rounds = trained.err.split('\n').filter((l) => l.startsWith('train round'));
    expect(rounds).toHaveLength(2);
    expect(rounds[0]).toMatch(
      /^train round 1\/2 {2}calibration {2}acc \d+\.\d% {2}loss [\d.]+ {2}[\d.]+ (B|KiB)\/client/,
    );
    expect(rounds[1]).toMatch(/^train round 2\/2 {2}acc /);
    expect(trained.err).not.toContain('\r');
    // auto: the fastest forward-capable backend present (ONNX Runtime here), with its reason.
    expect(trained.err).toMatch(
      /^backend ort:cpu \(the fastest forward-capable backend present; not available here: ort:cuda, ort:dml, ort:coreml\); mask energy on tfjs:\w+: ort:cpu computes forward passes only; mask file: k = 260 of d = 260032/m,
    );
    expect(trained.err).toMatch(/^GradIP detector after round 1: flagged /m);
    expect(trained.out).toContain(`run directory: ${trained.runDir}`);
  });

  it('writes one metrics line per round with bytes, forward passes, GradIP per participant and flags', () => {
    expect(metrics.map((m) => [m.round, m.phase])).toEqual([
      [1, 'calibration'],
      [2, 'training'],
    ]);
    let cumulative = 0;
    for (const m of metrics) {
      expect(m.bytesUpPerClient).toBeGreaterThan(0);
      expect(m.bytesDownPerClient).toBeGreaterThan(0);
      cumulative += m.bytesUpPerClient + m.bytesDownPerClient;
      expect(m.cumulativeBytesPerClient).toBeCloseTo(cumulative, 6);
      expect(Object.keys(m.gradip).sort()).toEqual([...m.participants].sort());
      expect(m.accuracy).not.toBeNull();
    }
    // Calibration round: 4 clients × 12 steps × 2 forward passes.
    expect(metrics[0]?.forwardPasses).toBe(96);
    expect(metrics[1]?.flagged).toEqual(summary.clients.filter((c) => c.flagged).map((c) => c.id));
    expect(summary.rounds).toBe(2);
    expect(summary.finalAccuracy).toBe(metrics[1]?.accuracy);
    const detection = JSON.parse(readFileSync(join(trained.runDir, 'detection.json'), 'utf8'));
    expect(detection.clients.map((c: { clientId: string }) => c.clientId)).toEqual(
      summary.clients.map((c) => c.id),
    );
  });

  it('eval of theta.bin reproduces the trainer’s final test accuracy and loss', async () => {
    const { out } = await cli(dir, [
      'eval',
      '--theta',
      join(trained.runDir, 'theta.bin'),
      '--limit',
      '24',
      '--json',
    ]);
    const report = JSON.parse(out) as {
      accuracy: number;
      loss: number;
      examples: number;
      k: number;
    };
    expect(report.examples).toBe(24);
    expect(report.k).toBe(260);
    expect(report.accuracy).toBe(summary.finalAccuracy);
    expect(report.loss).toBeCloseTo(summary.finalLoss as number, 5);
  });

  it('eval reads JSONL data, counts per label and rejects a label outside the verbalizer', async () => {
    const data = join(dir, 'mail.jsonl');
    const rows = [
      { text: 'Subject: lunch | see you at noon', label: 'ham' },
      { text: 'Subject: WIN $$$ | click now to claim your prize', label: 'spam' },
      { text: 'Subject: minutes | notes from the meeting attached', label: 'ham' },
    ];
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n'));
    const theta = join(trained.runDir, 'theta.bin');
    const { out } = await cli(dir, ['eval', '--theta', theta, '--data', data, '--json']);
    const report = JSON.parse(out) as {
      examples: number;
      accuracy: number;
      perLabel: Record<string, { examples: number; accuracy: number }>;
    };
    expect(report.examples).toBe(3);
    expect(report.perLabel.ham?.examples).toBe(2);
    expect(report.perLabel.spam?.examples).toBe(1);
    const hits = 2 * (report.perLabel.ham?.accuracy ?? 0) + (report.perLabel.spam?.accuracy ?? 0);
    expect(report.accuracy).toBeCloseTo(hits / 3, 12);
    writeFileSync(data, JSON.stringify({ text: 'x', label: 'eggs' }));
    const bad = await run(['eval', '--theta', theta, '--data', data], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('label "eggs" is not in the verbalizer (allowed: "ham" | "spam")');
  });

  it('refuses to resume with a config that differs from the run’s own', async () => {
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ ...tinyRunConfig('vp', 'mask.bin'), rounds: 5 }));
    const r = await run(['train', '--resume', trained.runDir, '--config', other], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('differs from');
    expect(r.err).toContain('rounds');
  });
});

const BUILT_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe.skipIf(!existsSync(BUILT_CLI))('dist/cli.js (built)', () => {
  it('runs as a program: --help exits 0, a missing config exits 2 with one line', () => {
    const help = spawnSync(process.execPath, [BUILT_CLI, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: meerkat <command>');
    const missing = spawnSync(process.execPath, [BUILT_CLI, 'train', '--config', 'nope.json'], {
      encoding: 'utf8',
      cwd: scratch,
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      `meerkat train: MEERKAT_FILE_NOT_FOUND: run config ${join(scratch, 'nope.json')} cannot be read\n`,
    );
    expect(readFileSync(BUILT_CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
