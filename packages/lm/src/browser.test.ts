import { describe, expect, it } from 'vitest';
import * as browser from './browser.js';
import * as main from './index.js';

describe('@meerkat/lm/browser', () => {
  it('re-exports the same objects as the main entry, minus the file-system functions', () => {
    const mainExports = new Map(Object.entries(main));
    for (const [name, value] of Object.entries(browser)) expect(mainExports.get(name)).toBe(value);
    const onlyMain = [...mainExports.keys()].filter((name) => !(name in browser));
    expect(onlyMain.sort()).toEqual(
      [
        'initKind',
        'loadCheckpoint',
        'loadConfigFile',
        'loadSafetensorsFile',
        'loadShardedSafetensors',
        'loadTokenizer',
        'readFileBytes',
        'writeRandomCheckpoint',
        'writeSafetensorsFile',
      ].sort(),
    );
  });
});
