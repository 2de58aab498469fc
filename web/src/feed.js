// The console's lists (warnings, incidents, orders, drills, public warnings, the outbox)
// share one shape: a `<ul class="feed …">` of items, or a single `<li class="empty">` that
// says, in the reader's language, why there is nothing. The browser scenarios find lists
// and their empty states by these classes.
import { t } from './i18n.js';

/** The `<li class="empty">` of a list with nothing to show; `key` is its i18n key. */
export function emptyItem(key) {
  const empty = document.createElement('li');
  empty.className = 'empty';
  empty.textContent = t(key);
  return empty;
}

/**
 * A `<ul>` of class `className` with `renderItem(item)` for each of `items`, or the empty
 * item with the text of `emptyKey` when there are none.
 */
export function feedList(className, items, renderItem, emptyKey) {
  const list = document.createElement('ul');
  list.className = className;
  list.append(...(items.length ? items.map(renderItem) : [emptyItem(emptyKey)]));
  return list;
}
