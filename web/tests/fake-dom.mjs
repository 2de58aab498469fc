// The little of the DOM that the UI's rendering helpers use, in memory, so `node --test`
// can check what they build without a browser. Also the two browser globals the modules
// read when imported (localStorage for the language, document.documentElement).

class FakeElement {
  constructor(tagName) {
    this.tagName = tagName.toUpperCase();
    this.childNodes = [];
    this.dataset = {};
    this.className = '';
    this.title = '';
    this.ownText = '';
    this.parentNode = null;
  }

  get children() {
    return this.childNodes.filter((node) => node instanceof FakeElement);
  }

  get classList() {
    return { contains: (name) => this.className.split(/\s+/).includes(name) };
  }

  get textContent() {
    return this.ownText + this.childNodes.map((node) => (typeof node === 'string' ? node : node.textContent)).join('');
  }

  set textContent(value) {
    this.ownText = String(value);
    this.childNodes = [];
  }

  #adopt(node) {
    if (node instanceof FakeElement) {
      node.remove();
      node.parentNode = this;
    }
    return node;
  }

  append(...nodes) {
    this.childNodes.push(...nodes.map((node) => this.#adopt(node)));
  }

  prepend(...nodes) {
    this.childNodes.unshift(...nodes.map((node) => this.#adopt(node)));
  }

  before(...nodes) {
    const parent = this.parentNode;
    const adopted = nodes.map((node) => parent.#adopt(node));
    parent.childNodes.splice(parent.childNodes.indexOf(this), 0, ...adopted);
  }

  remove() {
    if (!this.parentNode) return;
    const siblings = this.parentNode.childNodes;
    siblings.splice(siblings.indexOf(this), 1);
    this.parentNode = null;
  }

  insertRow() {
    const row = new FakeElement('tr');
    this.append(row);
    return row;
  }

  /** Every descendant element for which `test` holds, in document order. */
  findAll(test) {
    return this.children.flatMap((child) => [...(test(child) ? [child] : []), ...child.findAll(test)]);
  }
}

export const element = (tagName) => new FakeElement(tagName);
export const withClass = (name) => (el) => el.classList.contains(name);

const storage = new Map();
globalThis.localStorage ??= {
  getItem: (key) => (storage.has(key) ? storage.get(key) : null),
  setItem: (key, value) => storage.set(key, String(value)),
  removeItem: (key) => storage.delete(key),
};
globalThis.document ??= { createElement: element, documentElement: {} };
