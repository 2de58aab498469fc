// The HTTP API as the UI uses it: same origin, session cookie, JSON errors with a code.

export class ApiError extends Error {
  constructor(status, body) {
    // The server's errors are `{"error": {"code", "message", "field"}}`.
    const error = body?.error ?? body;
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
    this.field = error?.field;
  }
}

/** GETs started before the code that wants them was loaded (see `prefetch`), by path. */
const prefetched = new Map();

/** Starts GET requests now whose answers a page will ask `api` for once its code has
 *  loaded: the page's first data then arrives while MapLibre is still being fetched and
 *  compiled. Each answer is used once; a later `api` call asks the server again. */
export function prefetch(paths) {
  for (const path of paths) {
    if (prefetched.has(path)) continue;
    const answer = request(path, 'GET', undefined);
    answer.catch(() => {}); // a failure is reported to whoever takes the answer
    prefetched.set(path, answer);
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const early = method === 'GET' ? prefetched.get(path) : undefined;
  if (early) {
    prefetched.delete(path);
    return early;
  }
  return request(path, method, body);
}

async function request(path, method, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** Like `api`, but an endpoint that is not there (yet) answers `null` instead of failing. */
export async function optional(path) {
  try {
    return await api(path);
  } catch (error) {
    if (error.status === 404 || error.status === 405 || error.status === 501) return null;
    throw error;
  }
}

export const emptyCollection = () => ({ type: 'FeatureCollection', features: [] });

/** Accepts a FeatureCollection, a bare list, or `{items|warnings|...: [...]}` and gives a list. */
export function listOf(body, key) {
  if (!body) return [];
  if (Array.isArray(body)) return body;
  if (Array.isArray(body.features)) return body.features;
  if (key && Array.isArray(body[key])) return body[key];
  if (Array.isArray(body.items)) return body.items;
  return [];
}

/** Plain objects with a `location: [lon, lat]` (incidents, orders) become GeoJSON Features. */
export function asFeatures(list) {
  return list.flatMap((item) => {
    if (item && item.type === 'Feature') return [item];
    const geometry = item.geometry ?? (Array.isArray(item.location) ? { type: 'Point', coordinates: item.location } : null);
    if (!geometry) return [];
    const { geometry: _g, location: _l, ...properties } = item;
    return [{ type: 'Feature', id: item.id, geometry, properties: { ...properties, id: item.id } }];
  });
}
