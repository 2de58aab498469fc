// Photos of a field report, kept on the device until the report is received. They live in
// IndexedDB, not localStorage: a few photos of a few megabytes each would overflow
// localStorage's quota, and IndexedDB stores Blobs as they are. The server takes each photo
// first (POST /api/v1/photos, content-addressed, so a retry stores nothing twice) and the
// report then names them by SHA-256. A server without that endpoint gets no photos: the
// form says so and keeps the field disabled.

const DB_NAME = 'yingji-photos';
const STORE = 'photos';
let supported = null;

const SUPPORTED_KEY = 'yingji.photos.supported';

/** Whether this server accepts photos, read once from its OpenAPI document; with no network,
 *  the last answer this device had (so photos can be kept offline, and sent later). */
export function photosSupported() {
  supported ??= fetch('/api/v1/openapi.json', { credentials: 'same-origin' })
    .then((response) => (response.ok ? response.json() : null))
    .then((doc) => {
      const accepted = Boolean(doc?.paths?.['/api/v1/photos']?.post);
      localStorage.setItem(SUPPORTED_KEY, String(accepted));
      return accepted;
    })
    .catch(() => localStorage.getItem(SUPPORTED_KEY) === 'true');
  return supported;
}

function database() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact(mode, work) {
  const db = await database();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result.result ?? result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Keeps a report's photos on the device under its idempotency key. */
export function keepPhotos(key, files) {
  return transact('readwrite', (store) => {
    [...files].forEach((file, n) => store.put(file, `${key}/${n}`));
    return {};
  });
}

const photoAt = (key, n) => transact('readonly', (store) => store.get(`${key}/${n}`));

export function forgetPhotos(key, count) {
  return transact('readwrite', (store) => {
    for (let n = 0; n < count; n += 1) store.delete(`${key}/${n}`);
    return {};
  });
}

/**
 * Uploads a report's kept photos and gives their ids. A network failure throws (the report
 * stays pending); a refused photo gives the server's answer so the report is refused too.
 */
export async function uploadPhotos(key, count) {
  const ids = [];
  for (let n = 0; n < count; n += 1) {
    const blob = await photoAt(key, n);
    if (!blob) continue;
    const response = await fetch('/api/v1/photos', { method: 'POST', credentials: 'same-origin', body: blob });
    if (!response.ok) return { refused: response };
    ids.push((await response.json()).sha256);
  }
  return { ids };
}
