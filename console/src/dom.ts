/**
 * A small element builder. Data only ever reaches the page as text nodes and attribute values, never as
 * markup: nothing here parses HTML.
 */
export type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  text?: string;
  attrs?: Record<string, string | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class) element.className = props.class;
  if (props.id) element.id = props.id;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value !== undefined) element.setAttribute(name, value);
  }
  for (const [type, listener] of Object.entries(props.on ?? {})) {
    element.addEventListener(type, listener as EventListener);
  }
  if (props.text !== undefined) element.textContent = props.text;
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** A status as a small badge: its label, coloured by its tone, its value in `data-status`. */
export const smallBadge = (badge: { key: string; label: string; tone: string }): HTMLSpanElement =>
  h('span', { class: `badge badge-small tone-${badge.tone}`, attrs: { 'data-status': badge.key }, text: badge.label });

/** Text that only screen readers read (a label that the layout makes obvious to sighted users). */
export const srOnly = (text: string): HTMLSpanElement => h('span', { class: 'visually-hidden', text });

/** An element of the page's own markup; a missing one is a bug in index.html, so it fails loudly. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`console: #${id} is missing or not a ${type.name}`);
  return element;
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}
