/**
 * Small DOM helpers shared by the sidebar and the dashboard (no framework: the views are plain
 * elements re-rendered from REST replies).
 */

/** `el('div', 'jp-Foo', 'text')`: an element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

/** A `jp-mod-styled` button with a visible label, an accessible name and a click handler. */
export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  className = '',
  title = ''
): HTMLButtonElement {
  const node = el('button', `jp-mod-styled ${className}`.trim(), label);
  node.type = 'button';
  if (title) {
    node.title = title;
  }
  node.addEventListener('click', onClick);
  return node;
}

/** A labelled form field (label, input and hint in one block). */
export function field(
  label: string,
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint = ''
): HTMLElement {
  const wrap = el('label', 'jp-PrivacyForm-field');
  wrap.appendChild(el('span', 'jp-PrivacyForm-label', label));
  wrap.appendChild(input);
  if (hint) {
    wrap.appendChild(el('span', 'jp-PrivacyForm-hint', hint));
  }
  return wrap;
}

export function input(name: string, value = '', type = 'text'): HTMLInputElement {
  const node = el('input', 'jp-mod-styled');
  node.name = name;
  node.type = type;
  if (type === 'number') {
    node.step = 'any'; // ε 1.5 and δ 1e-5 are valid (the default step of 1 would refuse them)
  }
  node.value = value;
  return node;
}

/** Arrow keys move the focus between the `selector` elements inside `container`. */
export function arrowNavigation(container: HTMLElement, selector: string): void {
  container.addEventListener('keydown', event => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key)) {
      return;
    }
    const items = Array.from(container.querySelectorAll<HTMLElement>(selector));
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (index < 0) {
      return;
    }
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? items.length - 1
          : Math.min(items.length - 1, Math.max(0, index + (event.key === 'ArrowDown' ? 1 : -1)));
    items[next]?.focus();
    event.preventDefault();
  });
}
