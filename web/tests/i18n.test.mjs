// Every label exists in both languages: a key in one dictionary and not the other would
// show a raw key to the user. Run with `node --test tests/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zh from '../src/i18n/zh-CN.js';
import en from '../src/i18n/en.js';

test('the zh-CN and en dictionaries have the same keys', () => {
  const missingInEn = Object.keys(zh).filter((key) => !(key in en));
  const missingInZh = Object.keys(en).filter((key) => !(key in zh));
  assert.deepEqual(missingInEn, []);
  assert.deepEqual(missingInZh, []);
});

test('no label is left empty', () => {
  const empty = [...Object.entries(zh), ...Object.entries(en)]
    .filter(([, value]) => value === '')
    .map(([key]) => key);
  assert.deepEqual(empty, []);
});

test('Chinese labels are Chinese', () => {
  const latinOnly = Object.entries(zh)
    .filter(([key]) => key.startsWith('layer.') || key.startsWith('console.'))
    .filter(([, value]) => !/[\u4e00-\u9fff]/.test(value))
    .map(([key]) => key);
  assert.deepEqual(latinOnly, []);
});
