// Two languages, zh-CN by default; the choice is kept in localStorage.
import zh from './i18n/zh-CN.js';
import en from './i18n/en.js';

const dictionaries = { 'zh-CN': zh, en };
const listeners = new Set();
let current = localStorage.getItem('yingji.lang') === 'en' ? 'en' : 'zh-CN';

export const lang = () => current;

export function t(key) {
  return dictionaries[current][key] ?? dictionaries['zh-CN'][key] ?? key;
}

/** A translated label for a value, or the value itself when the dictionary has none. */
export function tValue(value) {
  const d = dictionaries[current];
  return d[`value.${value}`] ?? d[`status.${value}`] ?? d[`level.${value}`] ?? String(value);
}

export function setLang(next) {
  current = next === 'en' ? 'en' : 'zh-CN';
  localStorage.setItem('yingji.lang', current);
  document.documentElement.lang = current;
  listeners.forEach((listener) => listener(current));
}

export const onLangChange = (listener) => listeners.add(listener);

/** Fills every `[data-i18n]` element under `root` with its translation. */
export function translate(root = document) {
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
}

export const dictionaryKeys = (name) => Object.keys(dictionaries[name]);
document.documentElement.lang = current;
