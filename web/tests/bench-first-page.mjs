// Time to map interactive of two builds of the UI, alternated in one run so that both see
// the same load on a shared machine: `measureFirstPage` (e2e-measure.mjs) on each build in
// turn, `runs` times. A debug-built yingji reads web/dist at run time, so each build's
// folder is copied into web/dist before its page is opened.
//   cargo run -p yingji-web --example serve        # prints the base URL
//   node tests/bench-first-page.mjs <base-url> <runs> <dist-a> <dist-b>
import { chromium } from 'playwright-core';
import { cpSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureFirstPage, printFirstPage } from './e2e-measure.mjs';

const [base, runs, ...builds] = process.argv.slice(2);
if (!base || !Number(runs) || builds.length === 0) {
  console.error('usage: node tests/bench-first-page.mjs <base-url> <runs> <dist-a> [<dist-b> …]');
  process.exit(2);
}
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--disable-gpu'],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
const login = await context.request.post(`${base}/api/v1/auth/login`, {
  data: { username: process.env.YINGJI_E2E_USER ?? 'duty', password: process.env.YINGJI_E2E_PASSWORD ?? 'correct-horse-battery' },
});
if (login.status() !== 200) throw new Error(`sign-in refused: ${login.status()}`);
const waitReady = (page) => page.waitForFunction(() => window.__yingji && window.__yingji.ready, null, { timeout: 60000 });
for (let run = 0; run < Number(runs); run += 1) {
  for (const build of builds) {
    rmSync(dist, { recursive: true, force: true });
    cpSync(build, dist, { recursive: true });
    printFirstPage(build, await measureFirstPage(context, base, waitReady));
  }
}
await browser.close();
