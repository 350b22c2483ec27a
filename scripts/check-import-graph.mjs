#!/usr/bin/env node
// Checks the direction of imports in library code (packages/*/src, tests excluded):
//  1. a package imports only workspace packages it declares as dependencies (no arrow up, and
//     the declared graph is what turbo orders builds by, so it has no cycle);
//  2. inside a package, no two top-level folders of src/ import each other, directly or round a
//     loop (files at the top of src/ are the package's base and entry: they may be imported by
//     every folder and import any folder; a folder's subfolders count as the folder);
//  3. nothing outside a `cli/` folder imports from it (library code never reaches CLI code).
// `npm test` runs it; it prints each violation and exits 1, or prints a one-line summary.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const problems = [];

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.ts$/.test(name) && !/\.test\.ts$/.test(name)) yield path;
  }
}

/** A package's executable entry (src/cli.ts) is CLI code at the top of src/. */
const isEntry = (file) => /[\\/]src[\\/]cli\.ts$/.test(file);

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g;
let files = 0;
let edges = 0;
for (const pkgName of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', pkgName);
  const src = join(pkgDir, 'src');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    statSync(src);
  } catch {
    continue;
  }
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const folderEdges = new Map();
  for (const file of sourceFiles(src)) {
    files++;
    const text = readFileSync(file, 'utf8');
    const fromFolder = relative(src, dirname(file)) || '.';
    for (const [, spec] of text.matchAll(importPattern)) {
      edges++;
      if (spec.startsWith('@meerkat/') || spec === 'meerkat') {
        const target = spec
          .split('/')
          .slice(0, spec.startsWith('@') ? 2 : 1)
          .join('/');
        if (target !== manifest.name && !declared.has(target)) {
          problems.push(
            `${relative(root, file)} imports ${spec}, which ${manifest.name} does not depend on`,
          );
        }
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const toFolder = relative(src, dirname(resolve(dirname(file), spec))) || '.';
      if (toFolder.startsWith('..')) {
        problems.push(`${relative(root, file)} imports ${spec}, outside its package's src/`);
        continue;
      }
      const inCli = (folder) => folder === 'cli' || folder.startsWith('cli/');
      if (inCli(toFolder) && !inCli(fromFolder) && !isEntry(file)) {
        problems.push(`${relative(root, file)} (library code) imports CLI code ${spec}`);
      }
      const fromTop = fromFolder.split('/')[0];
      const toTop = toFolder.split('/')[0];
      if (toTop !== fromTop && fromTop !== '.' && toTop !== '.') {
        if (!folderEdges.has(fromTop)) folderEdges.set(fromTop, new Set());
        folderEdges.get(fromTop).add(toTop);
      }
    }
  }
  // A loop between folders: a folder that reaches itself.
  for (const start of folderEdges.keys()) {
    const stack = [[start, [start]]];
    const seen = new Set();
    while (stack.length > 0) {
      const [folder, path] = stack.pop();
      for (const next of folderEdges.get(folder) ?? []) {
        if (next === start) {
          if (start === [...path, next].sort()[0]) {
            problems.push(`packages/${pkgName}/src: folder loop ${[...path, next].join(' → ')}`);
          }
          continue;
        }
        if (!seen.has(next)) {
          seen.add(next);
          stack.push([next, [...path, next]]);
        }
      }
    }
  }
}
if (problems.length > 0) {
  for (const p of problems) console.log(p);
  console.log(`${problems.length} import-direction problem(s)`);
  process.exit(1);
}
console.log(
  `import graph ok: ${files} library files, ${edges} imports, no arrow up, no folder loop, no library → CLI import`,
);
