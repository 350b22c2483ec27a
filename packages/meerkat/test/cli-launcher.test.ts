import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkBins, packageBins } from '@meerkat/lm/testing';
import { afterAll, describe, expect, it } from 'vitest';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const BUILT = existsSync(join(PACKAGE, 'dist', 'cli.js'));
const scratch = mkdtempSync(join(tmpdir(), 'meerkat-bin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the meerkat bin', () => {
  it('points at a committed launcher, not at dist/ (so npm can link it before any build)', () => {
    expect(packageBins(PACKAGE).bins).toEqual({ meerkat: './bin/meerkat.js' });
    expect(existsSync(join(PACKAGE, 'bin', 'meerkat.js'))).toBe(true);
  });

  it.skipIf(!BUILT)(
    `linked as npm links it, runs --help and exits 0${BUILT ? '' : ' [SKIPPED: dist/cli.js not built; npm test builds first]'}`,
    () => {
      const { meerkat: bin } = linkBins(PACKAGE, join(scratch, 'project'));
      const r = spawnSync(bin!, ['--help'], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Usage: meerkat <command>');
      expect(r.stdout).toContain('demo');
    },
  );

  it('without dist/ says to run npm run build and exits 1', () => {
    const fake = join(scratch, 'unbuilt');
    mkdirSync(join(fake, 'bin'), { recursive: true });
    copyFileSync(join(PACKAGE, 'bin', 'meerkat.js'), join(fake, 'bin', 'meerkat.js'));
    writeFileSync(join(fake, 'package.json'), '{"type":"module"}');
    const r = spawnSync(process.execPath, [join(fake, 'bin', 'meerkat.js'), 'demo'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('meerkat is not built. Run `npm run build`');
  });
});
