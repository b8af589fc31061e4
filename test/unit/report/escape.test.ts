// Every user-supplied string (service, operation, budget id, title, description, labels, component
// and edge names, journeys, recommendation texts and evidence) is escaped wherever it appears.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml, escapeMarkdown, renderHtml, renderMarkdown } from "../../../src/report/index.js";
import { DEFAULT_STRINGS, makeReport, type UserStrings } from "./fixture.js";
import { svgsOf } from "./svg.js";

const FIELDS = Object.keys(DEFAULT_STRINGS) as Array<keyof UserStrings>;
const HOSTILE = [
  "<script>alert(1)</script>",
  `"><img src=x onerror=alert(1)>`,
  `' onmouseover='alert(1)`,
  "a & b &amp; c",
  "pipe | and\nnewline",
  "</style><script>alert(2)</script>",
  "<svg onload=alert(3)>",
  "]]><!--",
];

/** Markup the renderer itself writes: its tags (by name) and attributes; an injected one would change the counts. */
function structure(html: string): string {
  const counts = new Map<string, number>();
  const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const m of html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    count(m[1].toLowerCase());
    for (const a of m[2].matchAll(/\s([^\s=/>]+)(?==)/g)) count(`${m[1].toLowerCase()}@${a[1].toLowerCase()}`);
  }
  return [...counts].sort().map(([t, c]) => `${t}:${c}`).join(",");
}

const baseline = structure(renderHtml(makeReport()));

describe("escapeHtml", () => {
  it("escapes the five characters that matter in text and quoted attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    expect(escapeHtml("plain text / ->")).toBe("plain text / -&gt;");
    expect(escapeHtml(42)).toBe("42");
  });
});

describe("escapeMarkdown", () => {
  it("keeps a table cell one cell: pipes escaped, line breaks flattened, raw HTML neutralised", () => {
    expect(escapeMarkdown("a|b\nc\r\nd")).toBe("a\\|b c  d");
    expect(escapeMarkdown("<script>x</script>")).toBe("&lt;script>x&lt;/script>");
    expect(escapeMarkdown("[link](javascript:x) *b* _i_ `c`")).toBe("\\[link\\](javascript:x) \\*b\\* \\_i\\_ \\`c\\`");
    expect(escapeMarkdown("back\\slash")).toBe("back\\\\slash");
  });
});

describe("the HTML report escapes every user-supplied string", () => {
  for (const field of FIELDS) {
    it(`${field}: hostile values appear only escaped, the markup is unchanged`, () => {
      for (const value of HOSTILE) {
        const html = renderHtml(makeReport({ [field]: value }));
        if (/[<>&"']/.test(value)) expect(html.includes(value), `${field} = ${JSON.stringify(value)} appears raw`).toBe(false);
        expect(html).not.toMatch(/<script|<img|<svg onload/i);
        expect(html.match(/<\/style>/g)).toHaveLength(1);
        expect(structure(html)).toBe(baseline);
      }
    });
  }

  it("the escaped text is shown where the value is used", () => {
    const html = renderHtml(makeReport({ service: HOSTILE[0], budgetId: HOSTILE[1], recTitle: HOSTILE[2], labelValue: HOSTILE[3] }));
    expect(html).toContain(`<span class="service-name">&lt;script&gt;alert(1)&lt;/script&gt;</span>`);
    expect(html).toContain(`<code>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</code>`);
    expect(html).toContain(`<h4>&#39; onmouseover=&#39;alert(1)</h4>`);
    expect(html).toContain(`=a &amp; b &amp;amp; c</span>`);
  });

  it("property: for any strings in every field, none appears unescaped and no element is injected", () => {
    const alphabet = fc.constantFrom(..."<>&\"'|\n/=ab ;#`".split(""));
    const hostile = fc.string({ unit: alphabet, minLength: 1, maxLength: 24 }).map((s) => `«${s}»`);
    fc.assert(
      // Distinct per field (a field name suffix), so equal names do not merge legend entries.
      fc.property(fc.record(Object.fromEntries(FIELDS.map((f) => [f, hostile.map((h) => `${h}${f}`)])) as Record<keyof UserStrings, fc.Arbitrary<string>>), (strings) => {
        const html = renderHtml(makeReport(strings));
        for (const f of FIELDS) {
          const v = strings[f];
          if (/[<>&"']/.test(v)) expect(html.includes(v), `${f} = ${JSON.stringify(v)} appears raw`).toBe(false);
        }
        expect(structure(html)).toBe(baseline);
        expect(svgsOf(html)).toHaveLength(7);
        // The main names are shown (escaped) in full somewhere.
        for (const f of ["service", "budgetId", "recTitle", "recMessage", "operation"] as const) expect(html).toContain(escapeHtml(strings[f]));
      }),
      { numRuns: 150 },
    );
  });
});

describe("the Markdown report escapes every user-supplied string", () => {
  /** Table rows: every line of a table has as many unescaped pipes as its header. */
  function tablesIntact(md: string): void {
    const lines = md.split("\n");
    let cols = -1;
    for (const line of lines) {
      if (!line.startsWith("|")) {
        cols = -1;
        continue;
      }
      const pipes = (line.match(/(?<!\\)\|/g) ?? []).length;
      if (cols < 0) cols = pipes;
      expect(pipes, line).toBe(cols);
    }
  }

  it("property: tables keep their columns, no raw HTML tag, no raw newline inside a cell", () => {
    const alphabet = fc.constantFrom(..."<>&\"'|\n\r\\`*_[]ab ".split(""));
    const hostile = fc.string({ unit: alphabet, minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.record(Object.fromEntries(FIELDS.map((f) => [f, hostile])) as Record<keyof UserStrings, fc.Arbitrary<string>>), (strings) => {
        const md = renderMarkdown(makeReport(strings));
        tablesIntact(md);
        expect(md).not.toMatch(/<(?!br>)[a-zA-Z/!]/);
      }),
      { numRuns: 150 },
    );
  });

  it("the script-injection service name reads as text", () => {
    const md = renderMarkdown(makeReport({ service: HOSTILE[0], operation: "a | b" }));
    expect(md).toContain("## Service &lt;script>alert(1)&lt;/script>");
    expect(md).toContain("p99 latency (a \\| b)");
    expect(md).not.toContain("<script>");
  });
});
