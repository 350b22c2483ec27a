import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const expandHome = (path: string) =>
  path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;

/** A non-empty environment variable, or undefined. */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * `HF_HOME`: `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface` (the
 * rules of Python's huggingface_hub). The token file `huggingface-cli login` writes lives here.
 */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = variable(env, 'HF_HOME');
  if (home !== undefined) return resolve(expandHome(home));
  const xdg = variable(env, 'XDG_CACHE_HOME');
  return resolve(xdg === undefined ? join(homedir(), '.cache') : expandHome(xdg), 'huggingface');
}

/**
 * The model cache: a Hugging Face Hub cache directory (`models--ORG--NAME/{blobs,refs,snapshots}`),
 * shared with Python's huggingface_hub. `MEERKAT_CACHE` overrides it for this package alone;
 * otherwise `HF_HUB_CACHE` (or the older `HUGGINGFACE_HUB_CACHE`), else `$HF_HOME/hub`.
 */
export function modelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of ['MEERKAT_CACHE', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE']) {
    const value = variable(env, name);
    if (value !== undefined) return resolve(expandHome(value));
  }
  return join(hfHome(env), 'hub');
}

/** Whether downloads are off: `HF_HUB_OFFLINE` set to 1/true/yes/on (as huggingface_hub reads it). */
export function isOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['1', 'true', 'yes', 'on'].includes((variable(env, 'HF_HUB_OFFLINE') ?? '').toLowerCase());
}
