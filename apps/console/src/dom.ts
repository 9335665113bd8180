type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/**
 * Builds an element. Text is always set as text (never parsed as HTML), so what customers wrote cannot
 * become markup; `on…` attributes take listeners, `false`/`undefined` leave an attribute out.
 */
export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export function replace(target: Element, ...children: Child[]): void {
  target.replaceChildren(
    ...(children.filter((c) => c !== null && c !== undefined && c !== false) as (Node | string)[]),
  );
}
