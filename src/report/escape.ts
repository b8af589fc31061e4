/**
 * The one escaping function of the HTML report and the live page: every string that is not a
 * literal of the renderer goes through it, in text and in (always double-quoted) attribute
 * values alike. Escapes `&`, `<`, `>`, `"` and `'`, which is enough for both contexts.
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * A user string for a Markdown table cell: `|` and Markdown syntax escaped with a backslash,
 * `<` as an entity (Markdown renderers pass raw HTML through; without `<` no tag can start),
 * line breaks and other control characters as spaces.
 */
export function escapeMarkdown(value: unknown): string {
  let text = "";
  for (const ch of String(value)) {
    const c = ch.codePointAt(0)!;
    text += c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029 ? " " : ch;
  }
  return text
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/</g, "&lt;");
}

/** Cuts `s` to `max` characters (by code point), ending in `…` when cut; escape afterwards. */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}
