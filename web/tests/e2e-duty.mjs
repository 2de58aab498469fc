// Browser scenarios of the duty console's road closures, public warnings (CAP coverage) and
// drills, and public warnings released while the console and the public page are open,
// run by e2e.mjs on the signed-in duty officer's page. Every wait is bounded.
import { chromium } from 'playwright-core';
import { FIELD_ARGS } from './e2e-console.mjs';

const pageApi = (page, path, init) => page.evaluate(async ([p, i]) => {
  const response = await fetch(p, { credentials: 'same-origin', ...i });
  return { status: response.status, body: await response.json().catch(() => null) };
}, [path, init ?? {}]);

const post = (page, path, body) => pageApi(page, path, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

/** "HH:MM" of an instant in Beijing time, as the console shows times. */
const beijingClock = (iso) => new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false,
}).format(new Date(iso));

/** The API from Node as a signed-in account (bearer token), for steps taken by someone
 *  other than the officer whose page is watched. */
async function signIn(base, username, password) {
  const call = async (method, path, body, token) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  const login = await call('POST', '/api/v1/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`${username} cannot sign in: ${login.status}`);
  return (method, path, body) => call(method, path, body, login.body.token);
}

export async function dutyScenarios({ base, page, scenario, check, waitReady, chromiumPath, password }) {
  await page.evaluate(() => localStorage.setItem('yingji.lang', 'zh-CN'));
  await page.goto(new URL('/app', page.url()).href);
  await waitReady(page);

  await scenario('a road closure made through the API appears live on the map with its reason and expiry', async () => {
    const roads = await pageApi(page, '/api/v1/routing/roads');
    const road = roads.body.features.find((f) => f.geometry?.type === 'LineString');
    check(road, 'no road to close');
    const reason = `山体滑坡 ${Date.now()}`;
    const expires = new Date(Date.now() + 3 * 3600_000).toISOString();
    const created = await post(page, '/api/v1/routing/closures', {
      at: road.geometry.coordinates[0], closed: true, reason, expires_at: expires,
    });
    check(created.status === 201, `the closure was refused: ${created.status} ${JSON.stringify(created.body)}`);
    // No reload: the layer follows routing-api's live event.
    const drawn = await page.waitForFunction((text) => {
      const data = window.__yingji.layerData('closures');
      return data?.features.find((f) => f.properties.reason === text)?.geometry.coordinates ?? false;
    }, reason, { timeout: 15000 }).then((handle) => handle.jsonValue());
    const count = await page.textContent('#layer-panel [data-layer=closures] .count');
    check(Number(count) >= 1, `the layer panel counts ${count} closures`);
    check(await page.$('#layer-panel [data-layer=closures] .legend i.dashed'), 'no dashed legend entry for closures');
    // Click the middle of the closed segment for its popup.
    const middle = [(drawn[0][0] + drawn[1][0]) / 2, (drawn[0][1] + drawn[1][1]) / 2];
    const point = await page.evaluate(async (centre) => {
      const map = window.__yingji.map;
      map.jumpTo({ center: centre, zoom: 16 });
      await new Promise((resolve) => (map.loaded() ? resolve() : map.once('idle', resolve)));
      const { x, y } = map.project(centre);
      const box = map.getCanvas().getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    }, middle);
    await page.waitForTimeout(300);
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('.maplibregl-popup .details', { timeout: 10000 });
    const popup = await page.textContent('.maplibregl-popup .details');
    check(popup.includes(reason), `the popup does not give the reason: ${popup}`);
    const expiry = await page.textContent('.maplibregl-popup tr[data-key=expires_at] td');
    check(expiry.includes(beijingClock(expires)), `expiry ${expiry} is not ${beijingClock(expires)} Beijing time`);
    await page.evaluate(() => document.querySelector('.maplibregl-popup-close-button')?.click());
  });

  await scenario('a drill started after the console opened has its warning drawn on the county sensor it stands in for, and its silence logged as the drill\'s without failing that sensor', async () => {
    // As drill-api starts a drill: a shadow Thing and Datastream through SensorThings that
    // name the county datastream they stand in for, then a reading on the shadow only.
    const drill = `drill-${Date.now().toString(16).padStart(16, '0')}`;
    const feeder = await signIn(base, 'feeder', password);
    const shadowOf = async (record) => {
      const filter = encodeURIComponent(`properties/record_id eq '${record}'`);
      const found = await pageApi(page, `/sta/v1.1/Datastreams?$filter=${filter}&$expand=Thing,Sensor,ObservedProperty`);
      const county = found.body?.value?.[0];
      check(county, `no datastream ${record}: ${found.status}`);
      const thing = await feeder('POST', '/sta/v1.1/Things', {
        name: `【演练 drill】${county.Thing.name}`, description: drill,
        properties: { drill, shadow_of: county.Thing['@iot.id'], shadow_of_record: county.Thing.properties?.record_id ?? null,
          synthetic: true, public: false, town_code: county.Thing.properties?.town_code },
        Datastreams: [{
          name: `【演练 drill】${county.name}`, description: drill,
          observationType: county.observationType, unitOfMeasurement: county.unitOfMeasurement,
          properties: { drill, shadow_of: county['@iot.id'], shadow_of_record: record },
          Sensor: { '@iot.id': county.Sensor['@iot.id'] }, ObservedProperty: { '@iot.id': county.ObservedProperty['@iot.id'] },
        }],
      });
      check(thing.status === 201, `the shadow Thing was refused: ${thing.status} ${JSON.stringify(thing.body)}`);
      const streams = await feeder('GET', `/sta/v1.1/Things(${thing.body['@iot.id']})/Datastreams`);
      const shadow = streams.body?.value?.[0]?.['@iot.id'];
      check(shadow, `the shadow Thing has no datastream: ${JSON.stringify(streams.body)}`);
      return shadow;
    };
    const shadow = await shadowOf('thing-rain-002-precipitation');
    const start = Date.now() - 6 * 3600_000;
    await page.evaluate(() => { window.__drillNotReloaded = true; });
    // 25 mm within an hour of the drill's own (past) clock raises the copied rain rule.
    const observed = await feeder('POST', '/sta/v1.1/Observations', {
      phenomenonTime: new Date(start).toISOString(), result: 25, Datastream: { '@iot.id': shadow },
    });
    check(observed.status === 201, `the drill reading was refused: ${observed.status} ${JSON.stringify(observed.body)}`);
    const drawn = await page.waitForFunction((id) => {
      const feature = window.__yingji.layerData('warnings')?.features.find((f) => f.properties.drill === id);
      return feature ? { at: feature.geometry.coordinates, town: feature.properties.town_code } : false;
    }, drill, { timeout: 15000 }).then((handle) => handle.jsonValue());
    const places = await page.evaluate((town) => ({
      sensor: window.__yingji.layerData('sensors').features.find((f) => f.id === 'thing-rain-002')?.geometry.coordinates,
      town: window.__yingji.layerData('towns').features.find((f) => String(f.id) === String(town))?.geometry.coordinates,
    }), drawn.town);
    check(places.sensor, 'the county gauge thing-rain-002 is not on the map');
    check(places.town && JSON.stringify(places.town) !== JSON.stringify(places.sensor), `the gauge and its town point coincide (${places.town}): the check could not tell them apart`);
    check(JSON.stringify(drawn.at) === JSON.stringify(places.sensor),
      `the drill warning is drawn at ${drawn.at}, not on the county gauge at ${places.sensor} (its town point is ${places.town})`);
    check(await page.evaluate(() => window.__drillNotReloaded === true), 'the console was reloaded');

    // Another shadow reads 40 minutes later on the drill's clock: the first has been silent
    // past its 30 minutes, a drill fault. It is logged as the drill's and leaves the county
    // gauge, which is still reporting, out of the failed state.
    const other = await shadowOf('thing-rain-003-precipitation');
    const later = await feeder('POST', '/sta/v1.1/Observations', {
      phenomenonTime: new Date(start + 40 * 60_000).toISOString(), result: 0, Datastream: { '@iot.id': other },
    });
    check(later.status === 201, `the later drill reading was refused: ${later.status} ${JSON.stringify(later.body)}`);
    await page.waitForFunction(() => [...document.querySelectorAll('#activity li')]
      .some((li) => li.textContent.includes('演练 · ')), null, { timeout: 15000 });
    const gauge = await page.evaluate(() => window.__yingji.layerData('sensors').features.find((f) => f.id === 'thing-rain-002')?.properties.state);
    check(gauge !== 'fault', `the drill's silence marked the county gauge as failed (${gauge})`);
  });

  if (process.env.YINGJI_E2E_PUBLIC_WARNING) {
    await scenario("the published public warning is listed with its coverage toward 95%, per town and channel, and on the map", async () => {
      const headline = process.env.YINGJI_E2E_PUBLIC_WARNING;
      await page.waitForSelector('#public-warnings-panel .cap-coverage .overall', { timeout: 15000 });
      const panel = await page.textContent('#public-warnings-panel');
      check(panel.includes(headline), `the panel does not list ${headline}: ${panel}`);
      const overall = await page.textContent('#public-warnings-panel .overall');
      check(/\d+(\.\d)?%/.test(overall) && overall.includes('95.0%'), `no coverage figure against the 95% target: ${overall}`);
      const towns = await page.$$eval('#public-warnings-panel .cap-towns tbody tr', (rows) => rows.map((r) => r.textContent));
      check(towns.some((row) => row.includes('渔阳镇')), `渔阳镇 is not in the per-town table: ${towns.join(' | ')}`);
      const channels = await page.$$eval('#public-warnings-panel .cap-channels tbody tr', (rows) => rows.length);
      check(channels >= 1, 'no per-channel delivery row');
      const shaded = await page.evaluate(() => window.__yingji.layerData('cap_coverage').features.map((f) => f.id));
      check(shaded.map(String).includes('120119100'), `the coverage layer does not shade 渔阳镇: ${shaded}`);
      check(await page.$('#layer-panel [data-layer=neighbour_alerts]'), 'no neighbouring alerts layer');
    });
  }

  await scenario('the drills panel lists drills and a drill incident carries the 演练 badge', async () => {
    await page.waitForSelector('#drills-panel ul.drills li', { timeout: 10000 });
    const drills = await pageApi(page, '/api/v1/drills');
    check(drills.status === 200, `GET /api/v1/drills answered ${drills.status}`);
    const rows = await page.$$eval('#drills-panel li', (items) => items.map((li) => ({
      id: li.dataset.id, link: li.querySelector('a.report')?.getAttribute('href'), target: li.querySelector('a.report')?.target,
      empty: li.classList.contains('empty'), text: li.textContent,
    })));
    if (drills.body.drills.length === 0) {
      check(rows.length === 1 && rows[0].empty && rows[0].text === '暂无演练', `empty drills list shows ${JSON.stringify(rows)}`);
    } else {
      check(rows.every((r) => r.link === `/api/v1/drills/${encodeURIComponent(r.id)}/report` && r.target === '_blank'), `report links: ${JSON.stringify(rows)}`);
    }
    const title = `演练事件 ${Date.now()}`;
    const created = await post(page, '/api/v1/incidents', {
      type: 'flood', title, location: [117.368263, 40.071546], drill: 'd-test',
    });
    check(created.status === 201, `the drill incident was refused: ${created.status} ${JSON.stringify(created.body)}`);
    const item = `#incident-list li[data-id="${created.body.id}"]`;
    await page.waitForSelector(`${item} .badge.drill`, { timeout: 15000 });
    check((await page.textContent(`${item} .badge.drill`)) === '演练', 'the drill badge does not read 演练');
    const listed = await pageApi(page, '/api/v1/incidents');
    const real = new Set(listed.body.filter((i) => i.drill === null).map((i) => String(i.id)));
    const marked = await page.$$eval('#incident-list li[data-id]', (items) => items.filter((li) => li.querySelector('.badge.drill')).map((li) => li.dataset.id));
    check(marked.every((id) => !real.has(id)), `real incidents carry the drill badge: ${marked.filter((id) => real.has(id))}`);
  });

  if (process.env.YINGJI_E2E_PUBLIC_WARNING) {
    await scenario('a public warning published and then cancelled reaches the console and the public page live', async () => {
      const visitorBrowser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: FIELD_ARGS });
      try {
        const visitor = await (await visitorBrowser.newContext({ locale: 'zh-CN' })).newPage();
        await visitor.goto(`${base}/public`);
        await waitReady(visitor);
        // Neither page may reload: a reload would lose this mark.
        for (const p of [page, visitor]) await p.evaluate(() => { window.__notReloaded = true; });
        const duty = await signIn(base, 'duty', password);
        const approver = await signIn(base, 'approver', password);
        const headline = `蓟州区气象台发布大风黄色预警 ${Date.now()}`;
        const now = new Date();
        const created = await duty('POST', '/api/v1/public-warnings', {
          category: 'Met', level: 'yellow', urgency: 'Expected', certainty: 'Likely', response_types: ['Prepare'],
          zh: { event: '大风', headline, description: '预计阵风8级以上。', instruction: '请加固户外设施。' },
          en: { event: 'Gale', headline: 'Yellow gale warning', description: 'Gusts of force 8 or more.', instruction: 'Secure outdoor objects.' },
          effective: now.toISOString(), expires: new Date(now.getTime() + 6 * 3600_000).toISOString(),
          areas: [{ towns: ['120119100'] }],
        });
        check(created.status === 201, `the draft was refused: ${created.status} ${JSON.stringify(created.body)}`);
        const id = created.body.id;
        for (const step of ['approve', 'publish']) {
          const answer = await approver('POST', `/api/v1/public-warnings/${id}/${step}`);
          check(answer.status === 200, `${step}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
        const consoleItem = `#public-warnings-panel li[data-id="${id}"]`;
        await page.waitForSelector(consoleItem, { timeout: 15000 });
        check((await page.textContent(consoleItem)).includes(headline), 'the console lists the new warning without its headline');
        check((await page.textContent(`${consoleItem} .meta`)).includes('已发布'), 'the console does not show it published');
        await page.waitForFunction((warning) => document.querySelector('#public-warnings-panel .cap-coverage')?.dataset.warning === warning, id, { timeout: 15000 });
        await visitor.waitForFunction((text) => document.querySelector('#public-warnings').textContent.includes(text), headline, { timeout: 15000 });
        check(await visitor.$('#public-warnings li.level-yellow'), 'the public page does not show the new warning as yellow');

        const cancelled = await approver('POST', `/api/v1/public-warnings/${id}/cancel`, { reason: '大风减弱' });
        check(cancelled.status === 200, `cancel: ${cancelled.status} ${JSON.stringify(cancelled.body)}`);
        await page.waitForFunction((sel) => document.querySelector(`${sel} .meta`)?.textContent.includes('已解除'), consoleItem, { timeout: 15000 });
        await visitor.waitForFunction((text) => !document.querySelector('#public-warnings').textContent.includes(text), headline, { timeout: 15000 });
        const earlier = process.env.YINGJI_E2E_PUBLIC_WARNING;
        check((await visitor.textContent('#public-warnings')).includes(earlier), 'the warning still in force left the public page too');
        for (const p of [page, visitor]) check(await p.evaluate(() => window.__notReloaded === true), `${p.url()} was reloaded`);
      } finally {
        await visitorBrowser.close();
      }
    });
  }
}
