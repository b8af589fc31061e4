// Shared CLI plumbing: flag parsing, engine flags from env, colours, the progress bar, and the
// define command's problem placement and send order.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseBudget, type Budget } from "../../../src/budget/index.js";
import { ANSI, PLAIN } from "../../../src/client/index.js";
import { EXIT, UsageError, engineFlags, parseFlags, progressBar, runCommand, styleFor } from "../../../src/cli/common.js";
import { parentsFirst, placeProblem, problemLine } from "../../../src/cli/define.js";

function capture(isTTY = false): PassThrough & { isTTY?: boolean; text(): string } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; text(): string };
  let out = "";
  s.on("data", (d: Buffer) => (out += d.toString()));
  s.isTTY = isTTY;
  s.text = () => out;
  return s;
}

describe("parseFlags", () => {
  const spec = { values: ["service"], bools: ["dry-run"], short: { f: "service" }, positionals: [1, 1] as const, positionalNames: ["SERVICE"] };
  it("reads values (--a b, --a=b, short), booleans and positionals, with the engine flags", () => {
    const f = parseFlags("x", ["svc", "--service", "a", "--dry-run", "--engine=http://h:1", "--token", "t", "--json"], spec);
    expect(f.positionals).toEqual(["svc"]);
    expect(f.values.get("service")).toBe("a");
    expect(f.values.get("engine")).toBe("http://h:1");
    expect(f.values.get("token")).toBe("t");
    expect([...f.bools].sort()).toEqual(["dry-run", "json"]);
    expect(parseFlags("x", ["-f", "b", "s"], spec).values.get("service")).toBe("b");
    expect(parseFlags("x", ["--", "--not-a-flag"], spec).positionals).toEqual(["--not-a-flag"]);
  });
  it("throws UsageError for unknown flags, missing values and wrong positional counts", () => {
    expect(() => parseFlags("x", ["s", "--nope"], spec)).toThrow(/unknown flag --nope \(see pbe x --help\)/);
    expect(() => parseFlags("x", ["s", "-z"], spec)).toThrow(UsageError);
    expect(() => parseFlags("x", ["s", "--service"], spec)).toThrow("--service needs a value");
    expect(() => parseFlags("x", ["s", "--service", "--json"], spec)).toThrow("--service needs a value");
    expect(() => parseFlags("x", ["s", "--dry-run=1"], spec)).toThrow("--dry-run takes no value");
    expect(() => parseFlags("x", [], spec)).toThrow("missing SERVICE");
    expect(() => parseFlags("x", ["a", "b"], spec)).toThrow('unexpected argument "b"');
    // --help needs no positionals
    expect(parseFlags("x", ["--help"], spec).bools.has("help")).toBe(true);
  });
});

describe("engineFlags and styleFor", () => {
  it("takes --engine/--token over PBE_ENGINE/PBE_API_TOKEN over the default; parses --timeout", () => {
    const none = engineFlags(parseFlags("x", [], {}), {});
    expect(none).toEqual({ engine: "http://127.0.0.1:8080", token: undefined, timeoutMs: 10_000, json: false });
    expect(engineFlags(parseFlags("x", [], {}), { PBE_ENGINE_URL: "http://u:3" }).engine).toBe("http://u:3");
    const env = engineFlags(parseFlags("x", [], {}), { PBE_ENGINE: "http://e:1", PBE_ENGINE_URL: "http://u:3", PBE_API_TOKEN: "tok" });
    expect(env).toMatchObject({ engine: "http://e:1", token: "tok" });
    const flags = engineFlags(parseFlags("x", ["--engine", "http://f:2", "--token", "", "--timeout", "2.5s"], {}), { PBE_ENGINE: "http://e:1", PBE_API_TOKEN: "tok" });
    expect(flags).toMatchObject({ engine: "http://f:2", token: undefined, timeoutMs: 2500 });
    expect(() => engineFlags(parseFlags("x", ["--timeout", "soon"], {}), {})).toThrow(/--timeout "soon"/);
  });
  it("colours only a terminal without NO_COLOR, and never JSON", () => {
    expect(styleFor({ stdout: capture(true), env: {} }, false)).toBe(ANSI);
    expect(styleFor({ stdout: capture(true), env: { NO_COLOR: "1" } }, false)).toBe(PLAIN);
    expect(styleFor({ stdout: capture(false), env: {} }, false)).toBe(PLAIN);
    expect(styleFor({ stdout: capture(true), env: {} }, true)).toBe(PLAIN);
  });
});

describe("runCommand", () => {
  it("prints help (0), maps usage errors to 2 with one line on stderr", async () => {
    const stdout = capture();
    const stderr = capture();
    expect(await runCommand("x", ["--help"], { stdout, stderr }, {}, "Usage: pbe x", async () => 9)).toBe(EXIT.OK);
    expect(stdout.text()).toBe("Usage: pbe x\n");
    expect(await runCommand("x", ["--bad"], { stdout, stderr }, {}, "", async () => 9)).toBe(EXIT.USAGE);
    expect(stderr.text()).toBe("pbe x: unknown flag --bad (see pbe x --help)\n");
    expect(await runCommand("x", [], { stdout, stderr, env: {} }, {}, "", async () => 7)).toBe(7);
  });
});

describe("progressBar", () => {
  it("draws on a terminal and clears when done", () => {
    const err = capture(true);
    const bar = progressBar(err, 4, 8);
    bar.tick("a");
    bar.tick("b");
    bar.done();
    expect(err.text()).toContain("[####----] 2/4 b");
    expect(err.text().endsWith("\r\u001b[2K")).toBe(true);
  });
  it("writes nothing when stderr is not a terminal", () => {
    const err = capture(false);
    const bar = progressBar(err, 4);
    bar.tick("a");
    bar.done();
    expect(err.text()).toBe("");
  });
});

describe("define helpers", () => {
  it("places file problems on their line", () => {
    const p = placeProblem("b.yaml", { path: "budgets[1].threshold", message: '"fast" is not a duration (line 6)' });
    expect(p).toEqual({ file: "b.yaml", line: 6, path: "budgets[1].threshold", message: '"fast" is not a duration' });
    expect(problemLine(p)).toBe('b.yaml:6: budgets[1].threshold: "fast" is not a duration');
    expect(problemLine(placeProblem("b.yaml", { path: "b.yaml:3:7", message: "bad indentation" }))).toBe("b.yaml:3: column 7: bad indentation");
    expect(problemLine(placeProblem("b.yaml", { path: "budgets", message: "required" }))).toBe("b.yaml: budgets: required");
  });
  it("orders parents before their children, otherwise keeping file order", () => {
    const b = (def: Record<string, unknown>): Budget => {
      const r = parseBudget({ type: "latency.component", service: "s", component: "c", quantile: 0.9, ...def });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.budget;
    };
    const list = [
      b({ id: "grandchild", parent: "child", share: 0.5 }),
      b({ id: "other", threshold: "1s" }),
      b({ id: "child", parent: "root", share: 0.5 }),
      b({ id: "root", type: "latency.total", component: undefined, threshold: "1s" }),
    ];
    expect(parentsFirst(list).map((x) => x.id)).toEqual(["root", "child", "grandchild", "other"]);
  });
});
