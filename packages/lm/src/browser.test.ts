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
        // fetching, caching and converting models (Node: files and sockets)
        'DEFAULT_HUB_ENDPOINT',
        'DEFAULT_NPM_REGISTRY',
        'HUB_PREFIX',
        'HubCacheRepo',
        'HubClient',
        'KNOWN_MODELS',
        'MODEL_FORMS',
        'STORIES15M',
        'cachedHubModel',
        'cachedNpmModel',
        'convertLlama2c',
        'downloadFile',
        'fetchHubModel',
        'fetchNpmModel',
        'findLlama2cTokenizer',
        'formatHubModelId',
        'hfHome',
        'hubClientOptionsFromEnv',
        'hubTokenFromEnv',
        'isOffline',
        'knownModel',
        'modelCacheDir',
        'npmRegistry',
        'openLlama2cCheckpoint',
        'parseHubModelId',
        'parseLlama2cHeader',
        'repoFolderName',
        'resolveModel',
        'terminalProgress',
        // reading and writing model files
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
