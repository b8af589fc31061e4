/**
 * A guard in front of the `yaml` library for the files the engine reads (config, budgets).
 *
 * The library parses and converts nested collections recursively: measured with Node 20's
 * default stack, ~900 levels of block mappings or ~1 000–2 000 levels of flow collections
 * (`[[[…`) exhaust the stack. It catches the RangeError, but a regular expression compiled
 * that close to the limit can kill the process outright ("FATAL ERROR: RegExpCompiler
 * Allocation failed - process out of memory"), seen when fuzzing budget files. So documents
 * nested deeper than {@link MAX_YAML_DEPTH} are refused before the library sees them.
 *
 * The depth is over-estimated, never under-estimated: every `[`/`{` counts, inside strings and
 * comments too, and each line adds its block-indentation levels and leading `- `/`? ` indicators.
 * Real configuration and budget files are a few levels deep.
 */
export const MAX_YAML_DEPTH = 128;

/** Where a document first gets deeper than `max`, or undefined when it stays within it. */
export function yamlTooDeep(text: string, max = MAX_YAML_DEPTH): { depth: number; line: number } | undefined {
  let flow = 0;
  const indents: number[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Start of a line: indentation, then leading sequence/key indicators.
    let col = 0;
    while (i < n && text.charCodeAt(i) === 0x20) {
      i++;
      col++;
    }
    const c = text.charCodeAt(i);
    const blank = i >= n || c === 0x0a || c === 0x0d || c === 0x23; /* # */
    let depth = 0;
    if (!blank) {
      while (indents.length > 0 && indents[indents.length - 1]! >= col) indents.pop();
      indents.push(col);
      depth = indents.length;
      while (i + 1 < n && (text.charCodeAt(i) === 0x2d || text.charCodeAt(i) === 0x3f) && text.charCodeAt(i + 1) === 0x20) {
        depth++;
        i += 2;
        while (i < n && text.charCodeAt(i) === 0x20) i++;
      }
    }
    if (depth + flow > max) return { depth: depth + flow, line };
    // The rest of the line: flow brackets.
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 0x0a) {
        i++;
        line++;
        break;
      }
      if (ch === 0x5b || ch === 0x7b) {
        flow++;
        if (depth + flow > max) return { depth: depth + flow, line };
      } else if ((ch === 0x5d || ch === 0x7d) && flow > 0) {
        flow--;
      }
    }
  }
  return undefined;
}
