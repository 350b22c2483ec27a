import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '@meerkat/cli-kit';
import { describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../src/cli/run-cli.js';
import { HAVE_STORIES, STORIES_DIR, STORIES_SKIP_NOTE } from '../src/testing/model-dir.js';

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

/** A usage error: exit 2, nothing on stdout, exactly one line on stderr containing `parts`. */
async function expectUsage(argv: string[], ...parts: string[]) {
  const r = await run(...argv);
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.endsWith('\n')).toBe(true);
  expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1);
  for (const p of parts) expect(r.err).toContain(p);
  return r.err;
}

const M = STORIES_DIR;

describe('meerkat-lm command-line errors', { timeout: 60_000 }, () => {
  it('no command prints the program help on stderr with exit 2; --help on stdout with exit 0', async () => {
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: meerkat-lm <command>');
    const help = await run('--help');
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.out).toContain(c.spec.name);
  });

  it('an unknown command names it and lists the commands', async () => {
    await expectUsage(
      ['train'],
      'unknown command "train"',
      'logits, generate, bench',
      'meerkat-lm --help',
    );
  });

  it('each command has --help listing every flag, and --help wins over bad flags', async () => {
    for (const c of COMMANDS) {
      const r = await run(c.spec.name, '--nonsense', '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: meerkat-lm ${c.spec.name}`);
      for (const f of c.spec.flags) expect(r.out).toContain(`--${f.name}`);
    }
  });

  it('unknown flags, missing values, repeated flags and bare words are rejected by name', async () => {
    await expectUsage(
      ['logits', '--model', M, '--text', 'x', '--temperature', '1'],
      'unknown flag --temperature',
      'allowed: --model, --text',
    );
    await expectUsage(['logits', '--model', M, '--text'], '--text needs a value');
    await expectUsage(['logits', '--model', '--text', 'x'], '--model needs a value');
    await expectUsage(
      ['logits', '--model', M, '--model', M, '--text', 'x'],
      '--model is given twice',
    );
    await expectUsage(['logits', M, '--text', 'x'], 'unexpected argument', 'takes only --flags');
    await expectUsage(['logits', '--model', M, '--text', 'x', '--json=yes'], '--json is a switch');
  });

  it('missing required flags name the flag and what it is', async () => {
    await expectUsage(['logits', '--text', 'x'], 'logits needs --model MODEL');
    await expectUsage(
      ['generate', '--model', M, '--text', 'x'],
      'generate needs --max-new-tokens N',
    );
    await expectUsage(['bench', '--config', 'm10', '--seq', '8'], 'bench needs --batch B');
  });

  it('bad numbers and choices say what is allowed', async () => {
    const base = ['bench', '--config', 'stories260K', '--seq', '8'];
    await expectUsage([...base, '--batch', '0'], '--batch must be an integer ≥ 1, got "0"');
    await expectUsage([...base, '--batch', 'eight'], '--batch must be an integer ≥ 1, got "eight"');
    await expectUsage([...base, '--batch', '1.5'], '--batch must be an integer ≥ 1, got "1.5"');
    await expectUsage([...base, '--batch', ''], '--batch must be an integer ≥ 1, got ""');
    await expectUsage(
      [...base, '--batch=2', '--seed', '-1'],
      '--seed must be an integer from 0 to 4294967295',
    );
    await expectUsage(
      [...base, '--batch', '2', '--logits', 'first'],
      '--logits must be one of all, last, got "first"',
    );
    await expectUsage(
      ['bench', '--config', 'gpt2', '--batch', '1', '--seq', '8'],
      '--config must be one of stories260K, m10, m30, smollm-135m, qwen2-0.5b',
    );
    await expectUsage(
      ['generate', '--model', M, '--text', 'x', '--max-new-tokens', '-3'],
      '--max-new-tokens must be an integer from 0 to 100000',
    );
    await expectUsage(
      ['bench', '--config', 'stories260K', '--batch', '1', '--seq', '1'],
      '--seq must be ≥ 2 with --logits all',
    );
  });

  it('bench needs exactly one of --model and --config', async () => {
    await expectUsage(
      ['bench', '--batch', '1', '--seq', '8'],
      'exactly one of --model MODEL or --config NAME',
      'got neither',
    );
    await expectUsage(
      ['bench', '--model', M, '--config', 'm10', '--batch', '1', '--seq', '8'],
      'got both',
    );
  });

  it('an unregistered --backend is a usage error that lists the registered backends', async () => {
    const err = await expectUsage(
      [
        'bench',
        '--config',
        'stories260K',
        '--batch',
        '1',
        '--seq',
        '8',
        '--backend',
        'quantum:qpu',
      ],
      '--backend "quantum:qpu" is not a registered backend',
      'reference:cpu',
    );
    expect(err).toContain('@meerkat/backend-quantum');
  });

  it("a model directory that is not one fails with exit 1 and the loader's typed error", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meerkat-cli-'));
    try {
      const r = await run(
        'bench',
        '--model',
        dir,
        '--batch',
        '1',
        '--seq',
        '8',
        '--backend',
        'reference:cpu',
      );
      expect(r.code).toBe(1);
      expect(r.err).toContain('LM_FILE_NOT_FOUND');
      expect(r.err).toContain(join(dir, 'config.json'));
      const t = await run('logits', '--model', dir, '--text', 'x', '--backend', 'reference:cpu');
      expect(t.code).toBe(1);
      expect(t.err).toContain('LM_FILE_NOT_FOUND');
      expect(t.err).toContain('tokenizer.json');
      writeFileSync(join(dir, 'config.json'), '{"model_type": "gpt2"}');
      const c = await run(
        'bench',
        '--model',
        dir,
        '--batch',
        '1',
        '--seq',
        '8',
        '--backend',
        'reference:cpu',
      );
      expect(c.code).toBe(1);
      expect(c.err).toContain('LM_CONFIG_INVALID');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!HAVE_STORIES)(
    `an empty text with a BOS-adding tokenizer still runs (just <s>)${STORIES_SKIP_NOTE}`,
    async () => {
      const r = await run(
        'logits',
        '--model',
        M,
        '--text',
        '',
        '--backend',
        'reference:cpu',
        '--json',
      );
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as { ids: number[] }).ids).toEqual([1]);
    },
  );
});
