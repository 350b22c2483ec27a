import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  modelsRequired,
  SHARED_MODELS_DIR,
  type SharedModelName,
  sharedModel,
} from './shared-models.js';

const savedCi = process.env['CI'];
afterEach(() => {
  if (savedCi === undefined) delete process.env['CI'];
  else process.env['CI'] = savedCi;
});

describe('shared models', () => {
  it('live in ../shared/models beside the repository root (four levels above this file)', () => {
    const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
    expect(existsSync(join(repoRoot, 'packages', 'lm', 'package.json'))).toBe(true);
    expect(SHARED_MODELS_DIR).toBe(join(repoRoot, '..', 'shared', 'models'));
    expect(sharedModel('stories260K').dir).toBe(join(SHARED_MODELS_DIR, 'stories260K'));
  });

  it('an absent model is skipped with a note, except under CI=true, where it throws', () => {
    const absent = 'no-such-model' as SharedModelName;
    delete process.env['CI'];
    const model = sharedModel(absent);
    expect(model.present).toBe(false);
    expect(model.skipNote).toContain(`[SKIPPED: ${join(SHARED_MODELS_DIR, absent)} not found`);
    process.env['CI'] = 'true';
    expect(() => sharedModel(absent)).toThrow(
      /CI=true and the real model no-such-model is missing/,
    );
    expect(modelsRequired({ CI: '1' })).toBe(true);
    expect(modelsRequired({})).toBe(false);
  });
});
