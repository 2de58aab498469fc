// The field officer's outbox: every report is written to the device first (localStorage),
// with an idempotency key made when the officer pressed "submit", then sent. A report that
// could not reach the server stays pending and is sent again, with the same key, when the
// browser comes back online or on the next retry tick; the server stores it once whatever
// the number of attempts. The reports' JSON is in localStorage (a phone keeps a few dozen
// small reports, and its synchronous API cannot lose a write between two awaits); their
// photos, which are large, are in IndexedDB (photos.js).

import { uploadPhotos, forgetPhotos } from './photos.js';

const RETRY_MS = 15000;

/** What became of one attempt: sent and stored, refused for good, or try again later. */
export const OUTCOME = { received: 'received', refused: 'refused', pending: 'pending' };

export class Outbox {
  /**
   * @param {string} owner the signed-in user: each officer's outbox is their own
   * @param {(entry) => Promise<Response>} post sends one entry (injected so tests can drive it)
   */
  constructor(owner, post = postReport) {
    this.storageKey = `yingji.outbox.${owner}`;
    this.post = post;
    this.listeners = new Set();
    this.sending = null;
  }

  entries() {
    try {
      const parsed = JSON.parse(localStorage.getItem(this.storageKey) ?? '[]');
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }

  save(entries) {
    localStorage.setItem(this.storageKey, JSON.stringify(entries));
    this.listeners.forEach((listener) => listener(entries));
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  /** Keeps the report on the device under its key (made now unless given). `photos` is how
   *  many photos were kept for it (photos.js), uploaded before the report itself. */
  add(body, { key = newKey(), photos = 0 } = {}) {
    const entry = {
      key,
      body,
      photos,
      created_at: new Date().toISOString(),
      status: OUTCOME.pending,
      attempts: 0,
    };
    this.save([entry, ...this.entries()]);
    return entry;
  }

  update(key, change) {
    this.save(this.entries().map((entry) => (entry.key === key ? { ...entry, ...change } : entry)));
  }

  /** Sends every pending entry once, oldest first; one flush at a time. */
  flush() {
    if (!this.sending) {
      this.sending = this.sendPending().finally(() => { this.sending = null; });
    }
    return this.sending;
  }

  async sendPending() {
    const pending = this.entries().filter((e) => e.status === OUTCOME.pending).reverse();
    for (const entry of pending) {
      let response;
      try {
        response = await this.post(entry);
      } catch {
        // No network: everything else would fail the same way; wait for the next chance.
        this.update(entry.key, { attempts: entry.attempts + 1 });
        return;
      }
      const answer = await response.json().catch(() => null);
      if (response.status === 401) {
        // The session ended (it may expire while the phone is offline for hours). The report
        // is the officer's all the same: it stays pending, under its key, and is sent once
        // they sign in again. Every other report would get the same answer now.
        this.update(entry.key, { attempts: entry.attempts + 1, error: answer?.error?.message ?? 'HTTP 401', signed_out: true });
        return;
      }
      if (response.ok) {
        if (entry.photos) forgetPhotos(entry.key, entry.photos).catch(() => {});
        this.update(entry.key, {
          status: OUTCOME.received,
          attempts: entry.attempts + 1,
          error: null,
          signed_out: false,
          received_at: answer?.report?.received_at ?? new Date().toISOString(),
          report_id: answer?.report?.id ?? null,
          incident_id: answer?.incident?.id ?? null,
        });
      } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        // The server read it and said no (outside the jurisdiction, a wrong figure): sending
        // it again would get the same answer, so the officer is told why.
        this.update(entry.key, {
          status: OUTCOME.refused,
          attempts: entry.attempts + 1,
          error: answer?.error?.message ?? `HTTP ${response.status}`,
        });
      } else {
        this.update(entry.key, { attempts: entry.attempts + 1 });
      }
    }
  }

  /** Sends when the browser says it is back online, and every RETRY_MS as a fallback. */
  start() {
    window.addEventListener('online', () => this.flush());
    this.timer = setInterval(() => { if (navigator.onLine) this.flush(); }, RETRY_MS);
    return this.flush();
  }
}

/** A random UUID v4. `crypto.randomUUID` exists only in secure contexts (https, localhost);
 *  a command vehicle serving plain http on its LAN still has `getRandomValues`. */
export function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function postReport(entry) {
  let body = entry.body;
  if (entry.photos) {
    // Photo ids are their SHA-256: every retry sends the same body, as the key requires.
    const uploaded = await uploadPhotos(entry.key, entry.photos);
    if (uploaded.refused) return uploaded.refused;
    body = { ...body, photos: uploaded.ids };
  }
  return fetch('/api/v1/reports', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'idempotency-key': entry.key },
    body: JSON.stringify(body),
  });
}
