#!/usr/bin/env node
// The `meerkat-lm` command. npm links bins when it installs, before anything is built, so the
// linked file is this committed launcher; it runs the built CLI in ../dist, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(fileURLToPath(cli))) {
  await import(cli.href);
} else {
  process.stderr.write(
    `meerkat-lm: ${fileURLToPath(cli)} does not exist: @meerkat/lm is not built. Run \`npm run build\` in the repository root (or \`npx turbo run build --filter=@meerkat/lm\`), then run meerkat-lm again.\n`,
  );
  process.exitCode = 1;
}
