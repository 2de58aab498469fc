// The outbox's rules without a browser: a report keeps its key through every retry, a
// network failure leaves it pending, a refusal is final, a success is not sent again.
// Run with `node --test tests/`. (The browser test drives the same code against the server.)
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

// The two browser globals the outbox touches, as plain in-memory stand-ins.
const storage = new Map();
globalThis.localStorage = {
  getItem: (key) => (storage.has(key) ? storage.get(key) : null),
  setItem: (key, value) => storage.set(key, String(value)),
};
const { Outbox, OUTCOME, newKey } = await import('../src/outbox.js');

const answer = (status, body) => ({ ok: status < 300, status, json: async () => body });
const stored = { report: { id: 'rep-1', received_at: '2026-07-30T02:15:00Z' }, incident: { id: 'inc-1' } };

beforeEach(() => storage.clear());

test('an unreachable server leaves the report pending, and the retry carries the same key', async () => {
  const sent = [];
  let online = false;
  const outbox = new Outbox('info100', async (entry) => {
    sent.push(entry.key);
    if (!online) throw new TypeError('Failed to fetch');
    return answer(201, stored);
  });
  const entry = outbox.add({ type: 'flood', location: [117.37, 40.07] });
  await outbox.flush();
  assert.equal(outbox.entries()[0].status, OUTCOME.pending);
  online = true;
  await outbox.flush();
  const [after] = outbox.entries();
  assert.equal(after.status, OUTCOME.received);
  assert.equal(after.report_id, 'rep-1');
  assert.deepEqual(sent, [entry.key, entry.key]);
  await outbox.flush();
  assert.equal(sent.length, 2, 'a received report is not sent again');
});

test('a refusal is final and keeps the server\'s reason; a server error is retried', async () => {
  const answers = [answer(503, null), answer(403, { error: { message: 'town 120119101 is outside your jurisdiction' } })];
  const outbox = new Outbox('info100', async () => answers.shift());
  outbox.add({ type: 'fire' });
  await outbox.flush();
  assert.equal(outbox.entries()[0].status, OUTCOME.pending);
  await outbox.flush();
  const [entry] = outbox.entries();
  assert.equal(entry.status, OUTCOME.refused);
  assert.match(entry.error, /outside your jurisdiction/);
  assert.equal(entry.attempts, 2);
});

test('a lapsed session keeps the report pending under its key until the officer signs in again', async () => {
  const keys = [];
  let signedIn = false;
  const outbox = new Outbox('info100', async (entry) => {
    keys.push(entry.key);
    return signedIn ? answer(201, stored) : answer(401, { error: { code: 'unauthenticated', message: 'sign in first' } });
  });
  const first = outbox.add({ type: 'flood' });
  outbox.add({ type: 'fire' });
  await outbox.flush();
  assert.deepEqual(keys, [first.key], 'sent the next report although the session was gone');
  const kept = outbox.entries().find((e) => e.key === first.key);
  assert.equal(kept.status, OUTCOME.pending);
  assert.equal(kept.signed_out, true);
  assert.match(kept.error, /sign in first/);
  signedIn = true;
  await outbox.flush();
  assert.ok(outbox.entries().every((e) => e.status === OUTCOME.received && !e.error && !e.signed_out));
  assert.equal(keys.filter((k) => k === first.key).length, 2, 'the retry did not carry the same key');
});

test('reports survive a reload and each officer has their own outbox', async () => {
  const offline = async () => { throw new TypeError('offline'); };
  new Outbox('info100', offline).add({ type: 'flood' });
  assert.equal(new Outbox('info100', offline).entries().length, 1);
  assert.equal(new Outbox('info101', offline).entries().length, 0);
});

test('keys are distinct version-4 UUIDs', () => {
  const keys = new Set(Array.from({ length: 100 }, newKey));
  assert.equal(keys.size, 100);
  for (const key of keys) assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
