import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { linkBins, packageBins } from '../src/testing/link-bins.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const BUILT = existsSync(join(PACKAGE, 'dist', 'cli.js'));
const scratch = mkdtempSync(join(tmpdir(), 'meerkat-lm-bin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the meerkat-lm bin', () => {
  it('points at a committed launcher, not at dist/ (so npm can link it before any build)', () => {
    const { bins } = packageBins(PACKAGE);
    expect(bins).toEqual({ 'meerkat-lm': './bin/meerkat-lm.js' });
    expect(existsSync(join(PACKAGE, 'bin', 'meerkat-lm.js'))).toBe(true);
  });

  it.skipIf(!BUILT)(
    `linked as npm links it, runs --help and exits 0${BUILT ? '' : ' [SKIPPED: dist/cli.js not built; npm test builds first]'}`,
    () => {
      const project = join(scratch, 'project');
      const { 'meerkat-lm': bin } = linkBins(PACKAGE, project);
      const r = spawnSync(bin!, ['--help'], { encoding: 'utf8', cwd: project, timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Usage: meerkat-lm <command>');
      expect(r.stdout).toContain('fetch');
      const fetchHelp = spawnSync(bin!, ['fetch', '--help'], { encoding: 'utf8', timeout: 60_000 });
      expect(fetchHelp.stdout).toContain('Usage: meerkat-lm fetch NAME');
    },
  );

  it('without dist/ says to run npm run build and exits 1', () => {
    const fake = join(scratch, 'unbuilt');
    mkdirSync(join(fake, 'bin'), { recursive: true });
    copyFileSync(join(PACKAGE, 'bin', 'meerkat-lm.js'), join(fake, 'bin', 'meerkat-lm.js'));
    writeFileSync(join(fake, 'package.json'), '{"type":"module"}');
    const r = spawnSync(process.execPath, [join(fake, 'bin', 'meerkat-lm.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('@meerkat/lm is not built. Run `npm run build`');
  });
});
