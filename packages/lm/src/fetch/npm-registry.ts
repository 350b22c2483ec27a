import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** npm's default registry. */
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

/** `key=value` lines of an .npmrc (comments and blank lines skipped, `${VAR}` expanded). */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    value = value.replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? '');
    out.set(key, value);
  }
  return out;
}

/** The .npmrc files npm reads, most specific first: project (cwd and up), user, global. */
export function npmrcFiles(cwd: string, env: NodeJS.ProcessEnv): string[] {
  const files: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    files.push(join(dir, '.npmrc'));
    if (dirname(dir) === dir) break;
  }
  files.push(
    env['npm_config_userconfig'] ?? env['NPM_CONFIG_USERCONFIG'] ?? join(homedir(), '.npmrc'),
  );
  const prefix = env['npm_config_prefix'] ?? env['PREFIX'] ?? dirname(dirname(process.execPath));
  files.push(
    env['npm_config_globalconfig'] ??
      env['NPM_CONFIG_GLOBALCONFIG'] ??
      join(prefix, 'etc', 'npmrc'),
  );
  return files;
}

/**
 * The registry npm is configured with, as `npm config get registry` gives it, without running npm:
 * the `npm_config_registry` environment variable (npm sets it for scripts; users may set it), else
 * the first `registry=` of the project, user and global .npmrc files, else registry.npmjs.org.
 * Always ends with a slash.
 */
export function npmRegistry(
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): string {
  let registry = env['npm_config_registry'] ?? env['NPM_CONFIG_REGISTRY'];
  if (registry === undefined || registry === '') {
    for (const file of npmrcFiles(cwd, env)) {
      if (!existsSync(file)) continue;
      const value = parseNpmrc(readFileSync(file, 'utf8'), env).get('registry');
      if (value !== undefined && value !== '') {
        registry = value;
        break;
      }
    }
  }
  registry = registry === undefined || registry === '' ? DEFAULT_NPM_REGISTRY : registry;
  return registry.endsWith('/') ? registry : `${registry}/`;
}
