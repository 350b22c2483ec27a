#!/usr/bin/env node
// The `meerkat-lm` executable (built to dist/cli.js; esbuild keeps the hashbang line as the banner).
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
