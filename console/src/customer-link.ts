/**
 * A link to one customer's view. Its `href` lets it open in a new tab (or be copied); a plain left click opens the
 * customer in this page instead of reloading it.
 */
import { h, type Child, type Props } from './dom.js';
import type { LookupTarget } from './url-state.js';

export function customerLink(
  target: LookupTarget,
  href: string,
  open: (target: LookupTarget) => void,
  props: Omit<Props, 'on'> = {},
  ...children: Child[]
): HTMLAnchorElement {
  return h(
    'a',
    {
      ...props,
      attrs: { ...props.attrs, href },
      on: {
        click: (event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          open(target);
        },
      },
    },
    ...children,
  );
}
