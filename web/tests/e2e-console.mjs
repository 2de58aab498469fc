// Browser scenarios of the duty console and the field report page, run by e2e.mjs after
// sign-in: warning actions, a sensor's chart, a field report from a phone reaching the duty
// officer's map live, the offline queue, the incident page, dispatch, the routing analyses
// and a town officer's jurisdiction. Every wait is bounded.
import { chromium } from 'playwright-core';
import { join } from 'node:path';

/** 渔阳镇 (120119100), the town of the test's information officer `info100`. */
const YUYANG = { longitude: 117.368263, latitude: 40.071546 };

/** A 1×1 PNG, for the photo field when the server accepts photos. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export const FIELD_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader'];

export async function consoleScenarios({ base, page, scenario, check, waitReady, shots, errors, chromiumPath, password }) {
  const warningId = process.env.YINGJI_E2E_WARNING_ID;
  const offlineTitle = process.env.YINGJI_E2E_OFFLINE_TITLE ?? `离线报告 ${Date.now()}`;
  const pageApi = (target, path, init) => target.evaluate(async ([p, i]) => {
    const response = await fetch(p, { credentials: 'same-origin', ...i });
    return { status: response.status, body: await response.json().catch(() => null) };
  }, [path, init ?? {}]);

  if (warningId) {
    await scenario('a real warning is escalated, acknowledged and lifted from the feed', async () => {
      const item = `#warning-feed li[data-id="${warningId}"]`;
      await page.waitForSelector(item, { timeout: 15000 });
      const gauge = process.env.YINGJI_E2E_WARNING_SENSOR ?? '下营镇雨量站1';
      check((await page.textContent(item)).includes(gauge), `the warning does not name its rain gauge ${gauge}`);
      for (const [action, state] of [['escalate', 'escalated'], ['acknowledge', 'acknowledged']]) {
        const answered = page.waitForResponse((r) => r.url().endsWith(`/api/v1/warnings/${warningId}/${action}`), { timeout: 10000 });
        await page.click(`${item} button[data-action=${action}]`);
        check((await answered).status() === 200, `${action} was refused`);
        await page.waitForFunction(([sel, label]) => document.querySelector(sel)?.textContent.includes(label),
          [item, { escalated: '已升级', acknowledged: '已确认' }[state]], { timeout: 10000 });
        const listed = await pageApi(page, '/api/v1/warnings');
        const stored = listed.body.warnings.find((w) => String(w.id) === warningId);
        check(stored.state === state, `the server has the warning ${stored.state}, want ${state}`);
      }
      check(await page.isDisabled(`${item} button[data-action=escalate]`), 'escalate still offered after acknowledgement');
      const lifted = page.waitForResponse((r) => r.url().endsWith(`/api/v1/warnings/${warningId}/lift`), { timeout: 10000 });
      await page.click(`${item} button[data-action=lift]`);
      check((await lifted).status() === 200, 'lift was refused');
      await page.waitForSelector(item, { state: 'detached', timeout: 10000 });
    });
  }

  await scenario("a river gauge's last 24 hours are charted with its warning thresholds", async () => {
    await page.evaluate(() => window.__yingji.openChart('thing-stage-001'));
    await page.waitForSelector('#chart-panel[data-ready=true] svg.chart', { timeout: 15000 });
    const chart = await page.evaluate(() => {
      const svg = document.querySelector('#chart-panel svg.chart');
      return {
        points: Number(svg.querySelector('polyline.series')?.dataset.count ?? 0),
        thresholds: [...svg.querySelectorAll('line.threshold')].map((l) => [l.dataset.level, Number(l.dataset.value)]),
        ticks: [...svg.querySelectorAll('text.tick.x')].map((t) => t.textContent),
      };
    });
    check(chart.points >= 12, `${chart.points} observations drawn, want the 12 posted`);
    const levels = Object.fromEntries(chart.thresholds);
    check(levels.yellow === 8.68, `the warning stage 8.68 m is not drawn: ${JSON.stringify(chart.thresholds)}`);
    check(levels.red === 9.57, `the guaranteed stage 9.57 m is not drawn: ${JSON.stringify(chart.thresholds)}`);
    // Hour ticks in Beijing time: the last one is "now" in Asia/Shanghai.
    const beijingNow = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', hour12: false }).format(new Date());
    check(chart.ticks.at(-1).startsWith(beijingNow.slice(0, 2)), `axis not in Beijing time: ${chart.ticks.join(' ')}`);
    await (await page.$('#chart-panel')).screenshot({ path: join(shots, 'chart.png') });
  });

  // The field officer works in a browser of their own: another user, a phone, a position.
  const field = await chromium.launch({ executablePath: chromiumPath, headless: true, args: FIELD_ARGS });
  const phoneContext = await field.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN',
    geolocation: YUYANG, permissions: ['geolocation'],
  });
  const phone = await phoneContext.newPage();
  phone.on('pageerror', (error) => errors.push(`phone ${phone.url()}: ${error.message}`));
  let reported = null;
  let photos = false;

  try {
    await scenario('an information officer signs in on a phone and lands on the report form', async () => {
      await phone.goto(`${base}/app/report`);
      await phone.waitForSelector('#login-form', { timeout: 15000 });
      await phone.fill('input[name=username]', 'info100');
      await phone.fill('input[name=password]', password);
      await phone.click('button[type=submit]');
      await phone.waitForURL('**/app/report', { timeout: 15000 });
      await waitReady(phone);
      check((await phone.textContent('#who-scope')).includes('渔阳镇'), 'the town scope is not shown');
      photos = Boolean((await pageApi(phone, '/api/v1/openapi.json')).body?.paths?.['/api/v1/photos']);
      check((await phone.isDisabled('input[name=photos]')) === !photos, `the photo field does not follow the server (photos accepted: ${photos})`);
    });

    await scenario('a field report from the phone appears live on the duty map', async () => {
      await phone.click('#use-location');
      await phone.waitForSelector('#location-text[data-source=device]', { timeout: 15000 });
      await phone.selectOption('select[name=type]', 'flood');
      await phone.fill('input[name=title]', `渔阳镇积水 ${Date.now()}`);
      await phone.fill('textarea[name=text]', '村口道路积水约0.5米');
      await phone.fill('input[name=figure-affected]', '12');
      await phone.fill('input[name=figure-relocated]', '5');
      if (photos) await phone.setInputFiles('input[name=photos]', { name: 'scene.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1X1, 'base64') });
      await phone.screenshot({ path: join(shots, 'phone-report.png'), fullPage: true });
      await phone.click('button.submit');
      await phone.waitForSelector('#outbox li[data-status=received]', { timeout: 15000 });
      reported = await phone.evaluate(() => window.__yingji.outbox.entries()[0]);
      check(reported.incident_id && reported.report_id, `no incident or report id: ${JSON.stringify(reported)}`);
      await page.waitForFunction((id) => window.__yingji.map.querySourceFeatures('incidents').some((f) => String(f.properties.id) === id),
        reported.incident_id, { timeout: 15000 });
      await page.waitForSelector(`#incident-list li[data-id="${reported.incident_id}"]`, { timeout: 10000 });
      await phone.screenshot({ path: join(shots, 'phone-outbox.png'), fullPage: true });
      if (photos) {
        const timeline = await pageApi(page, `/api/v1/incidents/${reported.incident_id}/timeline`);
        check(timeline.body.some((e) => e.kind === 'report' && e.summary.includes('照片1张')), 'the photo did not reach the report');
      }
    });

    await scenario('offline, the report page opens again, keeps a report and sends it once when the network returns', async () => {
      // Loaded online once (above): its service worker is active and holds the page.
      check(await phone.evaluate(() => window.__yingji.offlineReady), 'no service worker keeps the report page');
      await phoneContext.setOffline(true);
      await phone.waitForFunction(() => !navigator.onLine, null, { timeout: 5000 });
      await phone.reload();
      await waitReady(phone);
      check(await phone.evaluate(() => Boolean(navigator.serviceWorker.controller)), 'the page reloaded offline is not served by its service worker');
      check(new URL(phone.url()).pathname === '/app/report', `offline, the phone is at ${phone.url()}`);
      check(await phone.$('#report-form button.submit'), 'the report form is not there offline');
      check((await phone.textContent('#who-user')).includes('info100'), 'offline, the page does not know its officer');
      check((await phone.textContent('#net-status')).includes('离线'), 'the page does not say it is offline');
      const drawnTowns = await phone.evaluate(() => window.__yingji.map.querySourceFeatures('town_areas').length);
      check(drawnTowns > 0, 'the pick map has no town areas offline');
      await phone.click('#use-location');
      await phone.waitForSelector('#location-text[data-source=device]', { timeout: 15000 });
      await phone.fill('input[name=title]', offlineTitle);
      await phone.fill('input[name=figure-injured]', '1');
      await phone.click('button.submit');
      await phone.waitForFunction((title) => window.__yingji.outbox.entries().some((e) => e.body.title === title && e.status === 'pending'),
        offlineTitle, { timeout: 10000 });
      const queued = await phone.evaluate((title) => window.__yingji.outbox.entries().find((e) => e.body.title === title), offlineTitle);
      const stored = await phone.evaluate((key) => localStorage.getItem('yingji.outbox.info100').includes(key), queued.key);
      check(stored, 'the pending report is not kept on the device');
      check((await phone.textContent('#report-message')).includes('已保存在本机'), 'the officer is not told the report is kept');

      // Back online, the first answer is lost on the way back (the server stored the report,
      // the phone never hears so): the phone must send it again with the same key.
      const keys = [];
      let dropped = false;
      // On the context, not the page: the page is now controlled by the report page's
      // service worker, and a page-level route did not always see its POST (one run of
      // several reported "sent 0 time(s)" with the report received).
      await phoneContext.route('**/api/v1/reports', async (route) => {
        keys.push(route.request().headers()['idempotency-key']);
        const response = await route.fetch();
        if (!dropped) {
          dropped = true;
          return route.abort('connectionreset');
        }
        return route.fulfill({ response });
      });
      await phoneContext.setOffline(false);
      await phone.waitForFunction((key) => {
        const entry = window.__yingji.outbox.entries().find((e) => e.key === key);
        return entry.attempts >= 2 || entry.status === 'received';
      }, queued.key, { timeout: 15000 });
      // The retry tick is 15 s; send now instead (the first flush may be the one finishing).
      await phone.evaluate(async () => {
        await window.__yingji.outbox.flush();
        await window.__yingji.outbox.flush();
      });
      await phone.waitForSelector(`#outbox li[data-key="${queued.key}"][data-status=received]`, { timeout: 15000 });
      await phoneContext.unroute('**/api/v1/reports');
      check(keys.length >= 2, `sent ${keys.length} time(s); the lost answer was not retried`);
      check(keys.every((key) => key === queued.key), `a retry used another key: ${keys.join(', ')}`);
      const incidents = await pageApi(page, '/api/v1/incidents');
      const titled = incidents.body.filter((i) => i.title === offlineTitle);
      check(titled.length === 1, `${titled.length} incidents carry the offline report's title, want 1`);
      // What the service worker stored: this build's files, the page and the three public map
      // layers only — no report, no photo, no signed-in answer.
      const kept = await phone.evaluate(async () => {
        const paths = [];
        for (const name of await caches.keys()) {
          for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
        }
        return paths;
      });
      const mayKeep = (path) => ['/app/report', '/favicon.svg'].includes(path) || path.startsWith('/assets/')
        || /^\/api\/v1\/collections\/(county|town_areas|towns)\/items$/.test(path);
      check(kept.includes('/app/report') && kept.every(mayKeep), `the service worker keeps ${kept.filter((p) => !mayKeep(p)).join(', ') || 'no page'}`);
    });

    if (reported) {
      await scenario("the incident's page shows each figure with its report and change, and the timeline live", async () => {
        await page.click(`#incident-list li[data-id="${reported.incident_id}"]`);
        await page.waitForSelector(`#incident-page[data-id="${reported.incident_id}"]`, { timeout: 10000 });
        check(new URL(page.url()).pathname === `/app/incidents/${reported.incident_id}`, `at ${page.url()}`);
        const affected = await page.$$eval('#incident-page .figures tr[data-figure=affected] td', (cells) => cells.map((c) => c.textContent));
        check(affected[1] === '12' && affected[2] === '+12' && affected[3].includes(reported.report_id), `affected row ${affected}`);
        // A second report on the same incident: figures and timeline follow without reloading.
        const second = await phone.evaluate(async (incidentId) => {
          const response = await fetch('/api/v1/reports', {
            method: 'POST', credentials: 'same-origin',
            headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
            body: JSON.stringify({ incident_id: incidentId, figures: { affected: 20 }, text: '又有8人受灾' }),
          });
          return (await response.json()).report;
        }, reported.incident_id);
        await page.waitForFunction((id) => document.querySelector('#incident-page .figures tr[data-figure=affected]')?.textContent.includes(id),
          second.id, { timeout: 10000 });
        const updated = await page.$$eval('#incident-page .figures tr[data-figure=affected] td', (cells) => cells.map((c) => c.textContent));
        check(updated[1] === '20' && updated[2] === '+8', `after the second report: ${updated}`);
        await page.waitForFunction(() => [...document.querySelectorAll('#incident-page .timeline li[data-kind=report]')].some((li) => li.textContent.includes('又有8人受灾')),
          null, { timeout: 10000 });
      });

      await scenario('a team is dispatched, its route is drawn and its order followed live', async () => {
        await page.click('#incident-page button.rank');
        await page.waitForSelector('#incident-page .candidates tr[data-team]', { timeout: 120000 });
        const ranked = await page.$$eval('#incident-page .candidates tr[data-team] td:nth-child(2)', (cells) => cells.map((c) => parseInt(c.textContent, 10)));
        check(ranked.every((m, i) => i === 0 || m >= ranked[i - 1]), `teams not ranked by travel time: ${ranked}`);
        await page.click('#incident-page .candidates tr[data-team] button.send-order');
        await page.waitForSelector('#incident-page .orders li[data-status=sent]', { timeout: 10000 });
        await page.evaluate(() => new Promise((resolve) => {
          const map = window.__yingji.map;
          map.once('idle', resolve);
          map.triggerRepaint();
        }));
        const route = await page.evaluate(async () => {
          const map = window.__yingji.map;
          const data = await map.getSource('dispatch-route').getData();
          return {
            coordinates: data?.geometry?.coordinates?.length ?? 0,
            crossCountry: data?.properties?.cross_country === true,
            dashed: Boolean(map.getPaintProperty('dispatch-route-line', 'line-dasharray')),
            drawn: map.queryRenderedFeatures({ layers: ['dispatch-route-line'] }).length,
          };
        });
        // A road route has its two off-road ends and the road between; a team close by may
        // instead be reached by one straight cross-country leg: exactly two points, dashed.
        check(route.coordinates >= 2, `the route has ${route.coordinates} points`);
        if (route.crossCountry) check(route.coordinates === 2, `a cross-country leg with ${route.coordinates} points`);
        check(route.dashed === route.crossCountry, `dashed ${route.dashed}, cross-country ${route.crossCountry}`);
        check(route.drawn > 0, 'the route is not drawn on the map');
        await page.waitForSelector('#incident-page .timeline li[data-kind=order]', { timeout: 10000 });
        // The team accepts (as its radio operator would, through the API): the page follows.
        const orderId = await page.getAttribute('#incident-page .orders li[data-status=sent]', 'data-id');
        const stepped = await pageApi(page, `/api/v1/orders/${orderId}/status`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'accepted' }),
        });
        check(stepped.status === 200, `stepping the order: ${JSON.stringify(stepped)}`);
        await page.waitForSelector(`#incident-page .orders li[data-id="${orderId}"][data-status=accepted]`, { timeout: 10000 });
        await page.screenshot({ path: join(shots, 'dispatch.png') });
        await (await page.$('#console')).screenshot({ path: join(shots, 'incident-console.png') });
      });

      await scenario('the duty officer steps the order to completed from the console; a refused step is shown', async () => {
        const item = '#incident-page .orders li[data-status]';
        const orderId = await page.getAttribute(item, 'data-id');
        const order = `#incident-page .orders li[data-id="${orderId}"]`;
        const offered = () => page.$$eval(`${order} .order-actions button`, (buttons) => buttons.map((b) => b.dataset.step));
        check(JSON.stringify(await offered()) === '["en_route","cancelled"]', `from accepted the console offers ${await offered()}`);
        // One click on cancel only asks to confirm, and the question goes away by itself.
        const cancel = `${order} button[data-step=cancelled]`;
        await page.click(cancel);
        check((await page.textContent(cancel)) === '确认取消？', `one click on cancel reads ${await page.textContent(cancel)}`);
        await page.waitForSelector(`${cancel}:not(.confirm)`, { timeout: 10000 });
        check((await page.textContent(cancel)) === '取消指令', `the disarmed cancel reads ${await page.textContent(cancel)}`);
        const notCancelled = await pageApi(page, `/api/v1/incidents/${reported.incident_id}/orders`);
        check(notCancelled.body.find((o) => o.id === orderId)?.status === 'accepted', 'one click on cancel cancelled the order');
        check(await page.getAttribute(order, 'data-status') === 'accepted', 'one click on cancel changed the shown status');
        // A real refusal from the server: the click's request is rewritten to skip a step.
        await page.route('**/api/v1/orders/*/status', (route) => route.continue({ postData: JSON.stringify({ status: 'completed' }) }), { times: 1 });
        await page.click(`${order} button[data-step=en_route]`);
        await page.waitForFunction((sel) => document.querySelector(`${sel} .order-error`)?.textContent.includes('操作失败'), order, { timeout: 10000 });
        const refusal = await page.textContent(`${order} .order-error`);
        check(/en_route/.test(refusal), `the refusal does not give the server's reason: ${refusal}`);
        check(await page.getAttribute(order, 'data-status') === 'accepted', 'a refused step changed the shown status');
        for (const [step, label] of [['en_route', '出动途中'], ['on_scene', '到达现场'], ['completed', '处置完成']]) {
          await page.click(`${order} button[data-step=${step}]`);
          await page.waitForSelector(`${order}[data-status=${step}]`, { timeout: 10000 });
          check((await page.textContent(`${order} .state`)) === label, `the status reads ${await page.textContent(`${order} .state`)}, want ${label}`);
          check((await page.textContent(`${order} .order-error`)) === '', 'the old refusal is still shown');
        }
        check((await offered()).length === 0, `a completed order still offers ${await offered()}`);
        const stored = await pageApi(page, `/api/v1/incidents/${reported.incident_id}/orders`);
        check(stored.body.find((o) => o.id === orderId)?.status === 'completed', 'the server does not have the order completed');
        await page.waitForFunction(() => [...document.querySelectorAll('#incident-page .timeline li[data-kind=order]')].some((li) => li.textContent.includes('处置完成')),
          null, { timeout: 10000 });
      });

      await scenario('cancelling an order takes a second click on the armed button', async () => {
        // The team is free again: a new order for it arrives live, and is cancelled.
        const orders = await pageApi(page, `/api/v1/incidents/${reported.incident_id}/orders`);
        const teamId = orders.body.find((o) => o.status === 'completed')?.team_id;
        check(teamId, `no completed order to take the team from: ${JSON.stringify(orders.body)}`);
        const created = await pageApi(page, `/api/v1/incidents/${reported.incident_id}/orders`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team_id: teamId, send: true }),
        });
        check(created.status === 201, `the second order was refused: ${JSON.stringify(created)}`);
        const order = `#incident-page .orders li[data-id="${created.body.id}"]`;
        const cancel = `${order} button[data-step=cancelled]`;
        await page.waitForSelector(`${order}[data-status=sent] button[data-step=cancelled]`, { timeout: 10000 });
        await page.click(cancel);
        await page.waitForSelector(`${cancel}.confirm`, { timeout: 5000 });
        await page.click(cancel);
        await page.waitForSelector(`${order}[data-status=cancelled]`, { timeout: 10000 });
        const stored = await pageApi(page, `/api/v1/incidents/${reported.incident_id}/orders`);
        check(stored.body.find((o) => o.id === created.body.id)?.status === 'cancelled', 'the server does not have the order cancelled');
      });
    }

    await scenario('a town officer sees their own town only', async () => {
      const townContext = await field.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
      const town = await townContext.newPage();
      try {
        await town.goto(`${base}/login`);
        await town.fill('input[name=username]', 'town101');
        await town.fill('input[name=password]', password);
        await town.click('button[type=submit]');
        await town.waitForURL('**/app', { timeout: 15000 });
        await waitReady(town);
        check((await town.textContent('#incidents-scope')).includes('洇溜镇'), 'the incident list does not say it shows one town');
        if (reported) {
          check(!(await town.$(`#incident-list li[data-id="${reported.incident_id}"]`)), "another town's incident is listed");
          const direct = await pageApi(town, `/api/v1/incidents/${reported.incident_id}`);
          check(direct.status === 404, `another town's incident answered ${direct.status}`);
        }
      } finally {
        await townContext.close();
      }
    });
  } finally {
    await field.close();
  }

  await scenario('coverage, helicopter reach and evacuation are drawn on the map and tabled', async () => {
    const results = {};
    for (const kind of ['coverage', 'aerial', 'evacuation']) {
      await page.click(`#analyses-panel form[data-analysis=${kind}] button`);
      await page.waitForSelector(`#analyses-panel .analysis-table[data-kind=${kind}]`, { timeout: 120000 });
      results[kind] = await page.evaluate(async () => {
        const map = window.__yingji.map;
        return {
          rows: document.querySelectorAll('#analyses-panel .analysis-table tbody tr').length,
          summary: document.querySelector('#analyses-panel .analysis-summary').textContent,
          points: (await map.getSource('analysis-points').getData()).features.length,
          lines: (await map.getSource('analysis-lines').getData()).features?.length ?? 0,
        };
      });
    }
    check(results.coverage.rows === Math.min(30, results.coverage.points), `coverage table and layer differ: ${JSON.stringify(results.coverage)}`);
    check(results.aerial.rows === Math.min(30, results.aerial.points), `aerial table and layer differ: ${JSON.stringify(results.aerial)}`);
    check(results.evacuation.lines > 0 && results.evacuation.rows > 0, `no evacuation plan drawn: ${JSON.stringify(results.evacuation)}`);
    await page.screenshot({ path: join(shots, 'evacuation.png') });
    console.log(`analyses: ${JSON.stringify(results)}`);
  });
}
