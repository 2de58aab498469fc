// The lists' one shape (src/feed.js): an item per entry, or one `li.empty` in the reader's
// language. Run with `node --test tests/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { element, withClass } from './fake-dom.mjs';

const { feedList, emptyItem } = await import('../src/feed.js');
const { setLang } = await import('../src/i18n.js');

const row = (drill) => {
  const li = element('li');
  li.dataset.id = drill.id;
  return li;
};

test('a list with entries holds one item per entry, in order, and no empty item', () => {
  const list = feedList('feed drills', [{ id: 'd-1' }, { id: 'd-2' }], row, 'drill.none');
  assert.equal(list.tagName, 'UL');
  assert.equal(list.className, 'feed drills');
  assert.deepEqual(list.children.map((li) => li.dataset.id), ['d-1', 'd-2']);
  assert.equal(list.findAll(withClass('empty')).length, 0);
});

test('an empty list holds only the empty item, with its text in the chosen language', () => {
  const list = feedList('feed public-warnings', [], row, 'drill.none');
  assert.equal(list.children.length, 1);
  const [empty] = list.children;
  assert.equal(empty.className, 'empty');
  assert.equal(empty.textContent, '暂无演练');
  setLang('en');
  assert.notEqual(emptyItem('drill.none').textContent, '暂无演练');
  assert.notEqual(emptyItem('drill.none').textContent, 'drill.none', 'no English text for drill.none');
  setLang('zh-CN');
});
