import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_NPM_REGISTRY, npmRegistry, parseNpmrc } from './npm-registry.js';

const scratch = mkdtempSync(join(tmpdir(), 'meerkat-npmrc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npmRegistry', () => {
  const user = join(scratch, 'user-npmrc');
  const global = join(scratch, 'global-npmrc');
  const base = { npm_config_userconfig: user, npm_config_globalconfig: global };

  it('reads the project .npmrc (cwd or above) before the user and global ones, and adds a slash', () => {
    const project = join(scratch, 'project');
    mkdirSync(join(project, 'packages', 'a'), { recursive: true });
    writeFileSync(
      join(project, '.npmrc'),
      '# mirror\nengine-strict=false\nregistry = "https://mirror.example/npm"\n',
    );
    writeFileSync(user, 'registry=https://user.example/\n');
    expect(npmRegistry(join(project, 'packages', 'a'), base)).toBe('https://mirror.example/npm/');
    expect(npmRegistry(scratch, base)).toBe('https://user.example/');
  });

  it('prefers npm_config_registry (what npm sets for scripts), and defaults to registry.npmjs.org', () => {
    expect(npmRegistry(scratch, { ...base, npm_config_registry: 'http://127.0.0.1:4873' })).toBe(
      'http://127.0.0.1:4873/',
    );
    const empty = {
      npm_config_userconfig: join(scratch, 'none'),
      npm_config_globalconfig: join(scratch, 'none'),
    };
    expect(npmRegistry('/', empty)).toBe(DEFAULT_NPM_REGISTRY);
  });

  it('parseNpmrc expands environment variables and skips comments', () => {
    const text = ['; c', '#c', `registry=$${'{REG}'}/x`, 'bad line', ''].join('\n');
    const parsed = parseNpmrc(text, { REG: 'https://r' });
    expect([...parsed]).toEqual([['registry', 'https://r/x']]);
  });
});
