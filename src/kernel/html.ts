/**
 * HTML that is safe to send: every value put into an `html` template is escaped unless it is itself `Html`
 * (built by `html` or marked with `trustedHtml`). Device names, labels and e-mail addresses come from users; only
 * this escaping keeps them text.
 */
export class Html {
  /** @internal Use `html` or `trustedHtml` to make one. */
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** The text of `value` with the characters HTML gives a meaning escaped (safe in elements and quoted attributes). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => entities[c]);
}

/** A value of a template: `Html` as it is, an array as its items one after another, nothing for null, undefined or false. */
function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * A tagged template of HTML: `` html`<td>${device.name}</td>` `` escapes the name. Arrays join their items (each
 * escaped unless `Html`), so a list is `` html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>` ``.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += render(values[i]) + strings[i + 1];
  return new Html(text);
}

/** Marks a string as HTML already safe to send (markup the caller wrote itself, never user input). */
export const trustedHtml = (text: string): Html => new Html(text);

/**
 * An ISO-8601 instant as people read it, `2026-12-02 21:37:01 UTC` to the second, in a `<time>` element that keeps
 * the exact value; `none` (escaped) when there is no instant.
 */
export function timestamp(iso: string | null | undefined, none = 'never'): Html {
  if (!iso) return html`${none}`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html`${iso}`;
  return html`<time datetime="${iso}">${date.toISOString().slice(0, 19).replace('T', ' ')}</time>`;
}
