#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`), building it first when it is missing
// or was built from other sources than the ones here (scripts/build.js): a fresh clone serves
// after `npm ci && npm start`, and a changed source is never served stale.
// INKWELL_FROM_SOURCE=1 runs the TypeScript through tsx instead (`npm run dev`): no build, but a
// module loader at run time (its own thread, esbuild), a slower start and more memory
// (docs/performance.md).
if (process.env.INKWELL_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  const { ensureBuilt } = await import('../scripts/build.js');
  const started = performance.now();
  if (await ensureBuilt())
    console.error(`inkwell: compiled the sources into dist/ (${Math.round(performance.now() - started)} ms)`);
  // Stack traces name the TypeScript lines, through the maps the build writes.
  process.setSourceMapsEnabled(true);
  await import('../dist/src/cli/main.js');
}
