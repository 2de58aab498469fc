// Browser tests of the web UI in a real headless Chromium (Debian's `chromium` package),
// driven by playwright-core. Usage: node tests/e2e.mjs <base-url>
// The server must hold the county dataset and a `duty` account whose password is in
// YINGJI_E2E_PASSWORD (default: the shared test harness's password).
// Prints each scenario, the first-page weight and time to map interactive, and a closing
// "N passed, N failed" line; exits non-zero on any failure.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleScenarios } from './e2e-console.mjs';
import { dutyScenarios } from './e2e-duty.mjs';
import { measureFirstPage, printFirstPage } from './e2e-measure.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node tests/e2e.mjs <base-url>');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  process.exit(2);
}
const USER = process.env.YINGJI_E2E_USER ?? 'duty';
const PASSWORD = process.env.YINGJI_E2E_PASSWORD ?? 'correct-horse-battery';
const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, 'screenshots');
mkdirSync(shots, { recursive: true });

// This machine has no GPU: WebGL is drawn by SwiftShader on the CPU, inside the renderer
// (--disable-gpu). The first-page measurement also runs the page with WebGL in Chromium's
// GPU process (still SwiftShader), as a desktop browser would run it, for comparison.
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader'];
const IN_RENDERER = '--disable-gpu';
const profile = mkdtempSync(join(tmpdir(), 'yingji-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1400, height: 900 },
  locale: 'zh-CN',
  args: [...BROWSER_ARGS, IN_RENDERER],
});

let passed = 0;
let failed = 0;
const errors = [];
const check = (condition, message) => {
  if (!condition) throw new Error(message);
};
async function scenario(name, body) {
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error.message}`);
  }
}
const waitReady = (page) => page.waitForFunction(() => window.__yingji && window.__yingji.ready, null, { timeout: 60000 });

const page = browser.pages()[0] ?? await browser.newPage();
page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
// Network failures (a 401 for a wrong password, a 404 from an API that is not there yet)
// are logged by Chromium as console errors; they are answers, not script errors.
page.on('console', (msg) => {
  if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`${page.url()}: ${msg.text()}`);
});

await scenario('an anonymous visitor of /app is sent to a zh-CN login page', async () => {
  await page.goto(`${base}/app`);
  await page.waitForSelector('#login-form');
  check(new URL(page.url()).pathname === '/login', `at ${page.url()}`);
  check((await page.textContent('button[type=submit]')).trim() === '登录', 'the submit button is not 登录');
});

await scenario('a wrong password is refused with a message', async () => {
  await page.fill('input[name=username]', USER);
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  check((await page.textContent('#login-error')).includes('用户名或密码错误'), 'no error message');
});

await scenario(`${USER} signs in and the map shows the county with its layers`, async () => {
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL('**/app');
  await waitReady(page);
  const drawn = await page.evaluate(() => {
    const map = window.__yingji.map;
    const rendered = (layer) => map.queryRenderedFeatures({ layers: [layer] }).length;
    return {
      boundary: rendered('county-line'),
      townAreas: rendered('town_areas-fill'),
      shelters: rendered('shelters-points'),
      sensors: rendered('sensors-points'),
      townLabels: document.querySelectorAll('.town-label').length,
      roads: rendered('roads-line'),
    };
  });
  check(drawn.boundary > 0, 'the county boundary is not drawn');
  check(drawn.townAreas >= 20, `only ${drawn.townAreas} town areas drawn`);
  check(drawn.shelters > 0 && drawn.sensors > 0, `points not drawn: ${JSON.stringify(drawn)}`);
  check(drawn.townLabels === 27, `${drawn.townLabels} town labels, want 27`);
  // Roads come from the routing module; a server without it says so in the layer panel.
  const roadsUnavailable = (await page.textContent('#layer-panel [data-layer=roads] .count')) === '暂无数据';
  check(roadsUnavailable || drawn.roads > 0, 'the road network answered but is not drawn');
  const who = await page.textContent('#who-user');
  check(who.includes(USER), `the user is not shown: ${who}`);
  check((await page.textContent('#who-scope')).includes('全区'), 'the jurisdiction is not shown');
});

await scenario('the layer panel lists every layer with a legend and marks synthetic data', async () => {
  const rows = await page.$$eval('#layer-panel .layer', (els) => els.map((el) => ({
    id: el.dataset.layer, text: el.textContent, synthetic: !!el.querySelector('.badge.synthetic:not([hidden])'),
  })));
  const ids = rows.map((r) => r.id);
  for (const id of ['county', 'towns', 'sensors', 'warnings', 'teams', 'shelters', 'depots', 'helipads', 'hazard_points', 'enterprises', 'stations']) {
    check(ids.includes(id), `no ${id} layer`);
  }
  check(rows.find((r) => r.id === 'shelters').synthetic, 'shelters are synthetic but not marked');
  check(rows.find((r) => r.id === 'shelters').text.includes('95'), 'shelter count is not 95');
  check(!rows.find((r) => r.id === 'county').synthetic, 'the real boundary is marked synthetic');
});

await scenario('toggling a layer hides it from the map', async () => {
  await page.click('#layer-panel [data-layer=sensors] input');
  const visibility = await page.evaluate(() => window.__yingji.map.getLayoutProperty('sensors-points', 'visibility'));
  check(visibility === 'none', `sensors still ${visibility}`);
  await page.click('#layer-panel [data-layer=sensors] input');
});

await scenario('clicking a shelter opens its details with the synthetic badge', async () => {
  const point = await page.evaluate(() => {
    const map = window.__yingji.map;
    const [feature] = map.queryRenderedFeatures({ layers: ['shelters-points'] });
    const projected = map.project(feature.geometry.coordinates);
    const box = map.getCanvas().getBoundingClientRect();
    return { x: box.left + projected.x, y: box.top + projected.y };
  });
  await page.mouse.click(point.x, point.y);
  await page.waitForSelector('.maplibregl-popup .details', { timeout: 5000 });
  const text = await page.textContent('.maplibregl-popup .details');
  check(text.includes('模拟数据 synthetic'), 'no synthetic badge in the popup');
  check(text.includes('容量（人）'), 'capacity label not translated');
  await page.screenshot({ path: join(shots, 'map-popup.png') });
  await page.click('.maplibregl-popup-close-button');
});

if (process.env.YINGJI_E2E_LIVE) {
  // The Rust test publishes an orange warning on thing-stage-001 every 300 ms.
  await scenario('a warning published on the server appears live in the feed and on the map', async () => {
    await page.waitForSelector('#warning-feed li.warning[data-id="9001"]', { timeout: 10000 });
    const item = await page.textContent('#warning-feed li[data-id="9001"]');
    check(item.includes('橙色') && item.includes('州河水位站1'), `feed item does not name the level and the sensor: ${item}`);
    check(item.includes('2026/07/30 10:15'), `time not in Beijing time: ${item}`);
    const onMap = await page.evaluate(() => {
      const map = window.__yingji.map;
      return {
        warnings: map.querySourceFeatures('warnings').length,
        sensorInWarning: map.querySourceFeatures('sensors').some((f) => f.properties.state === 'warning' && f.properties.id === 'thing-stage-001'),
      };
    });
    check(onMap.warnings >= 1, 'the warning is not on the map');
    check(onMap.sensorInWarning, 'its sensor is not coloured as in warning');
  });

}

await scenario('the map and console are screenshotted', async () => {
  await page.screenshot({ path: join(shots, 'map.png') });
  await (await page.$('#console')).screenshot({ path: join(shots, 'console.png') });
});

await scenario('switching to English translates the page and the town labels', async () => {
  await page.click('#lang');
  check((await page.textContent('.topbar strong')).trim() === 'One Map', 'title not translated');
  check((await page.textContent('#layer-panel')).includes('Shelters'), 'layers not translated');
  const label = await page.textContent('.town-label');
  check(/^[A-Za-z]/.test(label.trim()), `town label still ${label}`);
  await page.screenshot({ path: join(shots, 'map-en.png') });
  await page.click('#lang');
  check((await page.textContent('.topbar strong')).trim() === '应急一张图', 'not back to Chinese');
});

await consoleScenarios({ base, page, scenario, check, waitReady, shots, errors, chromiumPath: CHROMIUM, password: PASSWORD });
await dutyScenarios({ base, page, scenario, check, waitReady, chromiumPath: CHROMIUM, password: PASSWORD });

await scenario('a phone-sized viewport loads the map with the console under it', async () => {
  const phone = await browser.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${base}/app`);
  await waitReady(phone);
  const layout = await phone.evaluate(() => {
    const map = document.querySelector('#map').getBoundingClientRect();
    const console = document.querySelector('#console').getBoundingClientRect();
    return { mapHeight: map.height, mapWidth: map.width, consoleTop: console.top, mapBottom: map.bottom };
  });
  check(layout.mapWidth <= 390 && layout.mapHeight > 300, `map ${JSON.stringify(layout)}`);
  check(layout.consoleTop >= layout.mapBottom - 1, 'the console is not under the map');
  await phone.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
  await phone.close();
});

let weight = null;
const RUNS = 3;
const inRenderer = [];
const gpuProcess = [];
await scenario('first-page weight and time to map interactive are measured', async () => {
  // Alternated with the GPU-process browser's runs, so both see the same load on the
  // shared machine.
  const other = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: BROWSER_ARGS });
  try {
    const context = await other.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN', storageState: await browser.storageState() });
    for (let run = 0; run < RUNS; run += 1) {
      inRenderer.push(await measureFirstPage(browser, base, waitReady));
      gpuProcess.push(await measureFirstPage(context, base, waitReady));
    }
  } finally {
    await other.close();
  }
  weight = inRenderer[0];
  const total = (weight.jsKb + weight.cssKb) * 1024;
  check(total > 0, 'no JS or CSS was counted');
  check(total <= 600 * 1024, `first page ${(total / 1024).toFixed(0)} KB > 600 KB`);
});

let heavy = null;
await scenario('10,000 points on one layer keep the map responsive', async () => {
  const stress = await browser.newPage();
  await stress.goto(`${base}/app`);
  await waitReady(stress);
  heavy = await stress.evaluate(async () => {
    const map = window.__yingji.map;
    // A deterministic spread over the county's bounding box (LCG, no Math.random).
    let seed = 42;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const features = Array.from({ length: 10000 }, (_, i) => ({
      type: 'Feature', id: `stress-${i}`,
      geometry: { type: 'Point', coordinates: [117.2 + next() * 0.6, 39.85 + next() * 0.4] },
      properties: { id: `stress-${i}`, state: i % 10 === 0 ? 'warning' : 'normal' },
    }));
    const idle = () => new Promise((resolve) => map.once('idle', resolve));
    // A layer of its own, styled like the sensor layer, so that live sensor updates arriving
    // during the measurement cannot replace the 10,000 points.
    const sensorStyle = map.getStyle().layers.find((layer) => layer.id === 'sensors-points');
    let started = performance.now();
    map.addSource('stress', { type: 'geojson', data: { type: 'FeatureCollection', features } });
    map.addLayer({ id: 'stress-points', type: 'circle', source: 'stress', paint: sensorStyle.paint });
    await idle();
    const loadMs = performance.now() - started;
    const frames = [];
    for (const [dx, dy] of [[200, 0], [0, 150], [-200, 0], [0, -150], [100, 100]]) {
      started = performance.now();
      map.panBy([dx, dy], { duration: 0 });
      await idle();
      frames.push(performance.now() - started);
    }
    const bounds = map.getBounds();
    const inView = features.filter((f) => bounds.contains(f.geometry.coordinates)).length;
    const rendered = map.queryRenderedFeatures({ layers: ['stress-points'] }).length;
    return { loadMs, panMs: Math.max(...frames), rendered, inView };
  });
  // Correctness only: every point in view is drawn. The timings are measurements for
  // BENCHMARKS.md, not pass/fail thresholds (a loaded CI machine renders in software).
  check(heavy.inView > 1000, `only ${heavy.inView} of 10,000 points are in view`);
  check(heavy.rendered >= heavy.inView * 0.99, `${heavy.rendered} of ${heavy.inView} points in view were drawn`);
  await stress.close();
});

await scenario('the public page needs no sign-in and finds the nearest open shelter', async () => {
  const visitor = await browser.browser()?.newContext?.() ?? null;
  const pub = visitor ? await visitor.newPage() : await browser.newPage();
  if (!visitor) await browser.clearCookies();
  await pub.goto(`${base}/public`);
  await waitReady(pub);
  check(new URL(pub.url()).pathname === '/public', `redirected to ${pub.url()}`);
  check((await pub.textContent('.topbar strong')).includes('公众预警'), 'no public title');
  // A click on the map near the district seat (文昌街道).
  const point = await pub.evaluate(() => {
    const map = window.__yingji.map;
    const projected = map.project([117.40, 40.04]);
    const box = map.getCanvas().getBoundingClientRect();
    return { x: box.left + projected.x, y: box.top + projected.y };
  });
  await pub.mouse.click(point.x, point.y);
  await pub.waitForSelector('#nearest .route-kind', { timeout: 10000 });
  const kind = await pub.getAttribute('#nearest .route-kind', 'data-kind');
  check(['road', 'straight'].includes(kind), `route kind ${kind}`);
  check((await pub.textContent('#nearest strong')).length > 0, 'no shelter named');
  const expected = process.env.YINGJI_E2E_PUBLIC_WARNING;
  if (expected) {
    const item = await pub.textContent('#public-warnings');
    check(item.includes(expected), `the published warning is not listed: ${item}`);
    check(await pub.$('#public-warnings li.level-orange'), 'the warning is not shown as orange');
    const onMap = await pub.evaluate(() => window.__yingji.map.querySourceFeatures('warnings').length);
    check(onMap >= 1, 'the published warning is not on the map');
  }
  await pub.screenshot({ path: join(shots, 'public.png') });
  await pub.close();
});

await scenario('no page threw a script error', async () => {
  check(errors.length === 0, errors.join('\n'));
});

await browser.close();
rmSync(profile, { recursive: true, force: true });
if (weight) {
  console.log(`first page (/app): JS ${weight.jsKb.toFixed(1)} KB + CSS ${weight.cssKb.toFixed(1)} KB transferred (gzip)`);
  inRenderer.forEach((m) => printFirstPage('WebGL in the renderer (--disable-gpu)', m));
  gpuProcess.forEach((m) => printFirstPage('WebGL in the GPU process (same run)', m));
  console.log(`API requests before ready (start–end ms, KB): ${weight.requests.map((r) => `${r.path} ${r.start}–${r.end} ${r.kb}`).join('; ')}`);
}
if (heavy) {
  console.log(`10,000 sensor points: loaded and drawn in ${heavy.loadMs.toFixed(0)} ms; slowest pan redraw ${heavy.panMs.toFixed(0)} ms`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
