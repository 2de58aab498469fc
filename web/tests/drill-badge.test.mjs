// Warnings produced by a drill carry `drill` (its id) and are marked 演练/Drill in the feed
// and in the map popup, like drill incidents; real warnings (no `drill`, or null) are not.
// Run with `node --test tests/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { element, withClass } from './fake-dom.mjs';

const { markDrill } = await import('../src/drill-badge.js');
const { details } = await import('../src/popup.js');
const { normalise } = await import('../src/warnings.js');
const { setLang } = await import('../src/i18n.js');

/** A feed item's head as app.js builds it: level, then the title. */
function feedHead() {
  const head = element('div');
  const title = element('strong');
  head.append(element('span'), ' ', title);
  return { head, title };
}
const badges = (root) => root.findAll(withClass('drill'));

test('a drill warning in the feed is marked once, however often its item is refilled', () => {
  const warning = normalise({ id: 7, level: 'orange', state: 'raised', drill: 'd-july-rainstorm' });
  const { head, title } = feedHead();
  markDrill(title, warning.drill);
  markDrill(title, warning.drill);
  const [badge, ...more] = badges(head);
  assert.equal(more.length, 0, 'badges stacked up');
  assert.equal(badge.textContent, '演练');
  assert.equal(badge.dataset.drill, 'd-july-rainstorm');
  assert.equal(head.childNodes.indexOf(badge), head.childNodes.indexOf(title) - 1, 'the badge is not before the title');
});

test('a real warning carries no badge, whether drill is absent or null, and loses a stale one', () => {
  for (const raw of [{ id: 8, level: 'blue' }, { id: 9, level: 'blue', drill: null }]) {
    const { head, title } = feedHead();
    markDrill(title, normalise(raw).drill);
    assert.equal(badges(head).length, 0, JSON.stringify(raw));
  }
  const { head, title } = feedHead();
  markDrill(title, 'd-1');
  markDrill(title, null);
  assert.equal(badges(head).length, 0, 'the badge stayed after the drill was gone');
});

test('the badge follows the language', () => {
  const { head, title } = feedHead();
  markDrill(title, 'd-1');
  setLang('en');
  markDrill(title, 'd-1');
  assert.deepEqual(badges(head).map((b) => b.textContent), ['Drill']);
  setLang('zh-CN');
});

test("a drill warning's map popup is marked, a real one's is not", () => {
  const drill = details('warnings', normalise({ id: 7, level: 'red', rule: 'stage-warning', drill: 'd-1' }));
  assert.deepEqual(badges(drill).map((b) => b.textContent), ['演练']);
  const real = details('warnings', normalise({ id: 8, level: 'red', rule: 'stage-warning', drill: null }));
  assert.equal(badges(real).length, 0);
});
