/**
 * Budget files: YAML or JSON holding `budgets: [ … ]` (or a top-level list). Text in, budgets and
 * problems out; reading the file is the caller's business.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import type { Problem } from "../errors/index.js";
import { FORBIDDEN_KEYS } from "./fields.js";
import { formatPath, parseBudget, type ParseOptions } from "./parse.js";
import { describeValue } from "./quantity.js";
import type { Budget } from "./schema.js";
import { validateBudgetSet } from "./set.js";
import { MAX_YAML_DEPTH, yamlTooDeep } from "../yaml/index.js";
import { closest } from "./suggest.js";

export interface BudgetFileResult {
  /** The budgets that are valid on their own (the caller stores nothing while `problems` is not empty). */
  budgets: Budget[];
  /** Every problem: syntax errors as `file:line:col`, others as `budgets[2].threshold` with `(line N)` in the message. */
  problems: Problem[];
}

type Format = "json" | "yaml";

/** Aliases a YAML file may expand (a guard against "billion laughs" documents). */
const MAX_ALIASES = 100;

/**
 * Parses a budget file. The format comes from the extension (`.json`, `.yaml`, `.yml`), else
 * from the content (a text starting with `{` or `[` is tried as JSON first). Each budget is
 * checked with `parseBudget`, the valid ones together with `validateBudgetSet`; problems carry
 * paths like `budgets[2].threshold` (the index in the file, also for a top-level list) and, when
 * the position is known, the line in the message. Syntax errors are reported with line and column
 * and stop there.
 */
export function parseBudgetFile(text: string, fileName: string, opts: ParseOptions = {}): BudgetFileResult {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const deep = yamlTooDeep(source);
  if (deep) {
    return { budgets: [], problems: [{ path: `${fileName}:${deep.line}`, message: `nested deeper than ${MAX_YAML_DEPTH} levels; a budget file is a few levels deep` }] };
  }
  const format = formatOf(fileName, source);
  const parsed = format === "yaml" ? readYaml(source, fileName) : readJson(source, fileName, format === "sniff-json");
  if (!parsed.ok) return { budgets: [], problems: parsed.problems };
  const { value, locate } = parsed;
  const problems: Problem[] = [];
  const where = (segments: Array<string | number>) => {
    const line = locate(segments);
    return line === undefined ? "" : ` (line ${line})`;
  };

  let list: unknown[];
  if (Array.isArray(value)) {
    list = value;
  } else if (typeof value === "object" && value !== null) {
    const top = value as Record<string, unknown>;
    for (const key of Object.keys(top)) {
      if (key === "budgets") continue;
      const guess = closest(key, ["budgets"]);
      const message = FORBIDDEN_KEYS.has(key)
        ? `"${key}" is a reserved name and is refused`
        : `unknown top-level key${guess ? `; did you mean "budgets"?` : `; a budget file holds only budgets: [ … ]`}`;
      problems.push({ path: formatPath([key]), message: message + where([key]) });
    }
    if (!Object.prototype.hasOwnProperty.call(top, "budgets")) {
      problems.push({ path: "budgets", message: `required: the list of budgets, e.g. budgets: [ { id: checkout-p99, … } ]` });
      return { budgets: [], problems };
    }
    if (!Array.isArray(top.budgets)) {
      problems.push({ path: "budgets", message: `${describeValue(top.budgets)} is not a list; write budgets: [ … ] or a "- " item per budget${where(["budgets"])}` });
      return { budgets: [], problems };
    }
    list = top.budgets;
  } else {
    const message =
      value === undefined || value === null
        ? `the file is empty; write budgets: [ … ]`
        : `${describeValue(value)} is not a budget file; write budgets: [ … ]`;
    return { budgets: [], problems: [{ path: fileName, message }] };
  }

  const budgets: Budget[] = [];
  const paths: string[] = [];
  const knownIds: string[] = [];
  list.forEach((item, i) => {
    const r = parseBudget(item, opts);
    const prefix = `budgets[${i}]`;
    if (r.ok) {
      budgets.push(r.budget);
      paths.push(prefix);
      return;
    }
    const id = typeof item === "object" && item !== null ? (item as Record<string, unknown>).id : undefined;
    if (typeof id === "string") knownIds.push(id);
    for (const p of r.problems) {
      problems.push({ path: join(prefix, p.path), message: p.message + where(["budgets", i, ...splitPath(p.path)]) });
    }
  });
  for (const p of validateBudgetSet(budgets, { paths, knownIds })) {
    problems.push({ path: p.path, message: p.message + where(splitPath(p.path)) });
  }
  return { budgets, problems };
}

function formatOf(fileName: string, text: string): Format | "sniff-json" {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return "yaml";
  return /^\s*[[{]/.test(text) ? "sniff-json" : "yaml";
}

type Parsed =
  | { ok: true; value: unknown; locate: (segments: Array<string | number>) => number | undefined }
  | { ok: false; problems: Problem[] };

/** JSON, strictly; when the format was only sniffed, text that is not JSON is read as YAML (flow style). */
function readJson(text: string, fileName: string, sniffed: boolean): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (sniffed) return readYaml(text, fileName);
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    let pos = at ? lineCol(text, Number(at[1])) : undefined;
    if (!pos) {
      const doc = parseDocument(text, { prettyErrors: false, logLevel: "error" });
      const first = doc.errors[0];
      if (first) pos = lineCol(text, first.pos[0]);
    }
    if (!pos && text.trim() === "") pos = { line: 1, col: 1 };
    return {
      ok: false,
      problems: [{ path: pos ? `${fileName}:${pos.line}:${pos.col}` : fileName, message: `not valid JSON: ${message.replace(/\s*in JSON at position \d+.*$/s, "")}` }],
    };
  }
  // Positions for messages: JSON is YAML, so the YAML parser gives lines (best effort).
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, logLevel: "error" });
  return { ok: true, value, locate: doc.errors.length === 0 ? locator(doc, lc) : () => undefined };
}

function readYaml(text: string, fileName: string): Parsed {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, logLevel: "error" });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const { line, col } = lc.linePos(e.pos[0]);
        return { path: `${fileName}:${line}:${col}`, message: `YAML syntax error: ${e.message.split("\n")[0]}` };
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIASES }), locate: locator(doc, lc) };
  } catch (err) {
    return { ok: false, problems: [{ path: fileName, message: `cannot read YAML: ${err instanceof Error ? err.message : String(err)}` }] };
  }
}

/** 1-based line and column of an offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

/**
 * The line of the deepest node a path reaches: the key of a field when it exists, else the
 * budget (or list) that lacks it. A top-level list stands for `budgets`.
 */
function locator(doc: Document, lc: LineCounter): (segments: Array<string | number>) => number | undefined {
  return (segments) => {
    let node: unknown = doc.contents;
    let offset: number | undefined = rangeStart(node);
    let rest = segments;
    if (isSeq(node) && rest[0] === "budgets") rest = rest.slice(1);
    for (const seg of rest) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (item === undefined) break;
        node = item;
        offset = rangeStart(item) ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lc.linePos(offset).line;
  };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

function join(prefix: string, path: string): string {
  return path === "" ? prefix : path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** The segments of a path made by `formatPath`: `budgets[2].labels["a.b"]` → ["budgets", 2, "labels", "a.b"]. */
export function splitPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}
