// The first page's measurements for web/BENCHMARKS.md (figures, not pass/fail thresholds,
// except the weight budget the caller checks): bytes of JS and CSS, time to interactive,
// time until everything is loaded, and when each API request ran.

/**
 * Opens `/app` in a new page of `context` with the HTTP cache out of the way.
 * Interactive: MapLibre's `load` has fired, the county boundary is on screen (rendered
 * features, not merely data loaded), and a pan issued then is drawn. It is observed from
 * outside the app (polling every 25 ms), so the same measurement applies to any version.
 */
export async function measureFirstPage(context, base, waitReady) {
  const fresh = await context.newPage();
  try {
    await fresh.route('**/*', (route) => route.continue()); // keeps the cache out of the way
    const bytes = { js: 0, css: 0 };
    const pending = [];
    fresh.on('requestfinished', (request) => {
      const type = request.resourceType();
      if (type !== 'script' && type !== 'stylesheet') return;
      pending.push(request.sizes().then((s) => { bytes[type === 'script' ? 'js' : 'css'] += s.responseBodySize; }));
    });
    await fresh.goto(`${base}/app`);
    const drawnAt = await fresh.waitForFunction(() => {
      const map = window.__yingji?.map;
      // The layer exists only once the style has loaded (OneMap adds it on `load`).
      return map?.getLayer('county-line') && map.queryRenderedFeatures({ layers: ['county-line'] }).length > 0 && performance.now();
    }, null, { polling: 25, timeout: 60000 }).then((handle) => handle.jsonValue());
    const panMs = await fresh.evaluate(() => new Promise((resolve) => {
      const map = window.__yingji.map;
      const started = performance.now();
      map.once('render', () => resolve(performance.now() - started));
      map.panBy([80, 0], { duration: 0 });
    }));
    await waitReady(fresh);
    await Promise.all(pending);
    const readyMs = await fresh.evaluate(() => window.__yingji.readyAt);
    const requests = await fresh.evaluate(() => performance.getEntriesByType('resource')
      .filter((r) => r.initiatorType === 'fetch' && r.startTime < window.__yingji.readyAt)
      .map((r) => ({ path: new URL(r.name).pathname, start: Math.round(r.startTime), end: Math.round(r.responseEnd), kb: Math.round(r.encodedBodySize / 1024) })));
    return { jsKb: bytes.js / 1024, cssKb: bytes.css / 1024, readyMs, drawnAt, panMs, requests };
  } finally {
    await fresh.close();
  }
}

export function printFirstPage(label, m) {
  console.log(`${label}: map interactive: boundary drawn ${m.drawnAt.toFixed(0)} ms after navigation start, a pan then drawn in ${m.panMs.toFixed(0)} ms (${(m.drawnAt + m.panMs).toFixed(0)} ms); every layer, feed and list loaded and the map idle after ${m.readyMs.toFixed(0)} ms`);
}
