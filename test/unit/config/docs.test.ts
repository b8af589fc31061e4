import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configDocsMarkdown, configHelp, SETTINGS } from "../../../src/config/index.js";
import { CWD, load } from "./helpers.js";

const DOCS = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));

describe("docs/configuration.md", () => {
  it("is up to date with the schema (UPDATE_DOCS=1 rewrites it)", () => {
    const generated = configDocsMarkdown();
    if (process.env.UPDATE_DOCS) writeFileSync(DOCS, generated);
    expect(readFileSync(DOCS, "utf8")).toBe(generated);
  });

  it("has one table row per setting with its flag, variables and default", () => {
    const md = configDocsMarkdown();
    for (const s of SETTINGS) {
      const row = md.split("\n").find((l) => l.startsWith(s.inFile ? `| \`${s.id}\` |` : "| (not in the file) |") && (!s.flag || new RegExp(`[-\\]]${s.flag}[ \`]`).test(l)));
      expect(row, s.id).toBeDefined();
      for (const e of s.env) expect(row).toContain(`\`${e}\``);
      expect(row).toContain(s.default === undefined ? "`unset`" : Array.isArray(s.default) ? "`none`" : `\`${String(s.default)}\``);
    }
  });

  it("its example config file loads", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(configDocsMarkdown())![1]!;
    const c = load(["--config", "pbe.yaml"], {}, { [`${CWD}/pbe.yaml`]: yaml }).config;
    expect(c.currency).toBe("EUR");
    expect(c.prices.coreHour).toBe(0.037);
    expect(c.budgets).toBe(`${CWD}/budgets.yaml`);
    expect(c.metricMappings).toHaveLength(3);
    expect(c.apiTokens.map((t) => t.role)).toEqual(["read", "admin"]);
  });

  it("the error examples are the loader's own messages", () => {
    const md = configDocsMarkdown();
    expect(md).toContain('--grpc-port: "abc" is not a port (0-65535)');
    expect(md).toContain('PBE_DECISION_WAIT: "5 parsecs" is not a duration (e.g. "5s")');
    expect(md).toContain('pbe.yaml: decisionWait: "5 parsecs" is not a duration (e.g. "5s")');
  });

  it("escapes table cells (| and <…> would break the table or vanish as HTML)", () => {
    const md = configDocsMarkdown();
    expect(md).toContain("cpu\\|memory\\|network\\|storage");
    expect(md).toContain("Bearer \\<token\\>");
  });
});

describe("pbe serve --help", () => {
  const help = configHelp();
  it("lists every flag with its environment variables, file key and default, in groups", () => {
    for (const s of SETTINGS) {
      if (s.flag) expect(help, s.id).toMatch(new RegExp(`--(\\[no-\\])?${s.flag}\\b`));
      for (const e of s.env) expect(help, s.id).toContain(e);
      if (s.inFile) expect(help, s.id).toContain(`file key ${s.id}`);
    }
    expect(help).toContain("--[no-]nats-publish-evaluations");
    expect(help).toMatch(/--decision-wait <duration> +default: 5s\n/);
    expect(help).toMatch(/--nats <url> +default: unset\n/);
    expect(help).toContain("metricMappings (config file only)");
    expect(help.indexOf("Listening:")).toBeLessThan(help.indexOf("NATS:"));
    expect(help).toContain("-h, --help");
  });

  it("keeps lines within 80 columns except unbreakable words", () => {
    for (const line of help.split("\n")) {
      if (line.length > 80) expect(line.trim().includes(" "), line).toBe(false);
    }
  });
});
