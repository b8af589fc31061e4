import { describe, expect, it } from "vitest";
import { BUDGET_TYPES, BudgetSchema, parseBudget, toDefinition } from "../../../src/budget/index.js";
import { BASE, VALID, budget, pathsOf, problemsOf } from "./fixtures.js";

const child = { ...BASE, id: "child", type: "latency.component", component: "payment", parent: "checkout-p99" };
delete (child as Record<string, unknown>).threshold;

describe("parseBudget: every type", () => {
  it.each(BUDGET_TYPES.map((t) => [t]))("accepts a valid %s budget and normalises its threshold", (type) => {
    const { def, threshold, unit, per } = VALID[type];
    const b = budget(def);
    expect(b.type).toBe(type);
    expect(b.family).toBe(type.split(".")[0]);
    expect(b.threshold).toBeCloseTo(threshold, 12);
    expect(b.unit).toBe(unit);
    expect(b.per).toBe(per);
    expect(b.thresholdText).toBe(String(def.threshold));
    expect(b.direction).toBe("max");
    expect(b.window).toBe("5m");
    expect(b.windowMs).toBe(300_000);
    expect(() => BudgetSchema.parse(b)).not.toThrow();
  });

  it("reads a money threshold in the configured currency and names it as the unit", () => {
    const b = budget({ ...VALID["cost.resource"].def, threshold: "€0.10" }, { currency: "eur" });
    expect(b.unit).toBe("EUR");
    expect(b.threshold).toBe(0.1);
  });

  it("keeps exactly the fields given, in canonical order, with defaults made explicit", () => {
    const b = budget({ ...BASE, operation: " POST /checkout ", labels: { team: "web" }, title: "Checkout" });
    expect(Object.keys(b)).toEqual([
      "id", "type", "family", "service", "operation", "quantile", "threshold", "thresholdText", "unit", "direction", "window", "windowMs", "labels", "title",
    ]);
    expect(b.operation).toBe("POST /checkout");
  });

  it("normalises an edge to caller->callee without spaces", () => {
    expect(budget({ ...VALID["latency.network"].def, edge: " checkout -> payment " }).edge).toBe("checkout->payment");
  });

  it("accepts latency.processing with and without a component", () => {
    expect(budget(VALID["latency.processing"].def).component).toBeUndefined();
    expect(budget({ ...VALID["latency.processing"].def, component: "payment" }).component).toBe("payment");
  });

  it("takes per's default where only one makes sense", () => {
    expect(budget({ ...VALID["cost.resource"].def }).per).toBe("hour");
    expect(budget({ ...VALID["cost.optimization"].def }).per).toBe("month");
    expect(budget({ ...VALID["cost.infrastructure"].def, per: undefined }).per).toBe("month");
    expect(budget({ ...VALID["throughput.requests"].def }).per).toBe("second");
  });

  it("accepts direction min and a window at both ends of its range", () => {
    expect(budget({ ...VALID["throughput.requests"].def, direction: "min" }).direction).toBe("min");
    expect(budget({ ...BASE, window: "10s" }).windowMs).toBe(10_000);
    expect(budget({ ...BASE, window: "90d" }).windowMs).toBe(90 * 86_400_000);
    expect(budget({ ...BASE, window: 60_000 }).window).toBe("60000");
  });

  it("accepts a target on a quantile budget", () => {
    expect(budget({ ...BASE, target: 0.999 }).target).toBe(0.999);
  });

  it("accepts children: share, pool, pool with a share, bounds on derived thresholds", () => {
    expect(budget({ ...child, share: 0.4 }).threshold).toBeUndefined();
    expect(budget({ ...child, pool: "backends" }).pool).toBe("backends");
    expect(budget({ ...child, pool: "backends", share: 0.3 }).share).toBe(0.3);
    const bounded = budget({ ...child, share: 0.4, min: "50ms", max: 0.5e3 });
    expect([bounded.min, bounded.minText, bounded.max, bounded.maxText]).toEqual([50, "50ms", 500, "500"]);
    expect(budget({ ...child, threshold: "100ms" }).threshold).toBe(100);
  });

  it("accepts a null-prototype object and label keys with dots", () => {
    const input = Object.assign(Object.create(null) as object, BASE, { labels: { "app.kubernetes.io": "shop" } });
    expect(budget(input as Record<string, unknown>).labels).toEqual({ "app.kubernetes.io": "shop" });
  });

  it("builds the budget from fresh objects: changing the input later changes nothing", () => {
    const input = { ...BASE, labels: { team: "web" } };
    const b = budget(input);
    input.labels.team = "changed";
    expect(b.labels).toEqual({ team: "web" });
    expect(b.labels).not.toBe(input.labels);
  });
});

describe("parseBudget: field rules and their messages", () => {
  type Case = [name: string, input: Record<string, unknown>, paths: string[], message?: RegExp];
  const cases: Case[] = [
    // id
    ["missing id", { ...BASE, id: undefined }, ["id"], /^required: an id/],
    ["upper-case id", { ...BASE, id: "Checkout" }, ["id"], /^"Checkout" is not a valid id; use 1 to 64 characters/],
    ["id of 65 characters", { ...BASE, id: "a".repeat(65) }, ["id"], /is not a valid id/],
    ["id starting with a dash", { ...BASE, id: "-a" }, ["id"], /is not a valid id/],
    ["numeric id", { ...BASE, id: 5 }, ["id"], /^5 is not an id/],
    // type
    ["missing type", { ...BASE, type: undefined }, ["type"], /^required: a budget type, one of "latency.total"/],
    ["mistyped type", { ...BASE, type: "latency.totl" }, ["type"], /^"latency.totl" is not a budget type; did you mean "latency.total"\?$/],
    ["unknown type", { ...BASE, type: "vibes" }, ["type"], /use one of "latency.total", .*"cost.infrastructure"/],
    // service
    ["missing service", { ...BASE, service: undefined }, ["service"], /^required: a service name/],
    ["empty service", { ...BASE, service: "" }, ["service"], /^is empty/],
    ["blank service", { ...BASE, service: "   " }, ["service"], /^is empty/],
    ["service of 257 characters", { ...BASE, service: "s".repeat(257) }, ["service"], /^is 257 characters long; at most 256/],
    ["service as a number", { ...BASE, service: 42 }, ["service"], /^42 is not a service name/],
    // operation, component, edge
    ["empty operation", { ...BASE, operation: "" }, ["operation"], /is empty/],
    ["null operation", { ...BASE, operation: null }, ["operation"], /^an empty value \(null\) is not an operation/],
    ["operation on a resource budget", { ...VALID["resource.cpu"].def, operation: "GET /" }, ["operation"], /resource.cpu is measured per service, not per journey; remove operation/],
    ["operation on cost.infrastructure", { ...VALID["cost.infrastructure"].def, operation: "GET /" }, ["operation"], /per service/],
    ["component on latency.total", { ...BASE, component: "payment" }, ["component"], /only applies to latency.component and latency.processing/],
    ["latency.component without component", { ...BASE, type: "latency.component" }, ["component"], /^required for latency.component/],
    ["edge on latency.total", { ...BASE, edge: "a->b" }, ["edge"], /only applies to latency.network/],
    ["edge without arrow", { ...VALID["latency.network"].def, edge: "checkout" }, ["edge"], /is not an edge; write "caller->callee"/],
    ["edge without caller", { ...VALID["latency.network"].def, edge: "->payment" }, ["edge"], /is not an edge/],
    ["edge with two arrows", { ...VALID["latency.network"].def, edge: "a->b->c" }, ["edge"], /is not an edge/],
    // quantile / aggregate
    ["both quantile and aggregate", { ...BASE, aggregate: "mean" }, ["quantile"], /give either quantile or aggregate, not both/],
    ["neither quantile nor aggregate", { ...BASE, quantile: undefined }, ["quantile"], /needs quantile \(e.g. 0.99\) or aggregate \(mean or max\); give exactly one/],
    ["per-trace throughput without a statistic", { ...VALID["throughput.queries"].def, quantile: undefined }, ["quantile"], /a per-trace throughput budget needs quantile/],
    ["resource budget without a statistic", { ...VALID["resource.cpu"].def, quantile: undefined }, ["quantile"], /a resource budget needs/],
    ["quantile 1", { ...BASE, quantile: 1 }, ["quantile"], /^1 is out of range; a quantile is a fraction below 1, e.g. 0.99$/],
    ["quantile 0", { ...BASE, quantile: 0 }, ["quantile"], /^0 is out of range; a quantile is a fraction above 0/],
    ["quantile as a percentile", { ...BASE, quantile: 99 }, ["quantile"], /did you mean 0.99\?$/],
    ["quantile as text", { ...BASE, quantile: "p99" }, ["quantile"], /^"p99" is not a number; write a quantile as a fraction, e.g. 0.99$/],
    ["quantile as a percentage", { ...BASE, quantile: "99%" }, ["quantile"], /^"99%" is a percentage; write a quantile as a fraction, e.g. 0.99$/],
    ["unknown aggregate", { ...BASE, quantile: undefined, aggregate: "avg" }, ["aggregate"], /^"avg" is not an aggregate; use one of "mean", "max"$/],
    ["quantile on a per-second rate", { ...VALID["throughput.requests"].def, quantile: 0.9 }, ["quantile"], /a per-second rate is one value per window/],
    ["aggregate on a cost", { ...VALID["cost.resource"].def, aggregate: "max" }, ["aggregate"], /a cost is one value per window, so cost.resource takes no aggregate/],
    // threshold
    ["missing threshold", { ...BASE, threshold: undefined }, ["threshold"], /^required: the limit, e.g. "300ms"$/],
    ["negative threshold", { ...BASE, threshold: -5 }, ["threshold"], /^-5 is negative/],
    ["zero latency threshold", { ...BASE, threshold: 0 }, ["threshold"], /must be greater than 0/],
    ["latency threshold that is not a duration", { ...BASE, threshold: "fast" }, ["threshold"], /^"fast" is not a duration/],
    ["threshold as an object", { ...BASE, threshold: { ms: 300 } }, ["threshold"], /^an object is not a number or a quantity with a unit/],
    ["cpu threshold", { ...VALID["resource.cpu"].def, threshold: "2 cpus" }, ["threshold"], /^"2 cpus" is not a CPU quantity; write cores/],
    ["memory threshold", { ...VALID["resource.memory"].def, threshold: "lots" }, ["threshold"], /is not a size; write e.g. "512MiB"/],
    ["network threshold", { ...VALID["resource.network"].def, threshold: "10MiB/h" }, ["threshold"], /is not a byte rate/],
    ["count threshold", { ...VALID["throughput.requests"].def, threshold: "many" }, ["threshold"], /is not a count/],
    ["per-trace count on a per-second budget", { ...VALID["throughput.requests"].def, threshold: "12/trace" }, ["threshold"], /is a count per trace but per is "second"; set per: trace/],
    ["rate on a per-trace budget", { ...VALID["throughput.queries"].def, threshold: "12/s" }, ["threshold"], /is a rate per second but per is "trace"/],
    ["money threshold", { ...VALID["cost.resource"].def, threshold: "cheap" }, ["threshold"], /is not an amount of money/],
    ["money in another currency", { ...VALID["cost.resource"].def, threshold: "€3" }, ["threshold"], /^"€3" is in EUR but amounts are configured in USD/],
    // per
    ["per on a latency budget", { ...BASE, per: "second" }, ["per"], /^latency budgets take no per; remove it$/],
    ["per of another type", { ...VALID["cost.resource"].def, per: "month" }, ["per"], /^"month" does not apply to cost.resource; use "hour"$/],
    ["cost.performance without per", { ...VALID["cost.performance"].def, per: undefined }, ["per"], /^required for cost.performance: "request" or "1000-requests"$/],
    ["throughput per hour", { ...VALID["throughput.requests"].def, per: "hour" }, ["per"], /does not apply to throughput.requests; use "second" or "trace"/],
    ["unknown per", { ...VALID["throughput.requests"].def, per: "daily" }, ["per"], /^"daily" is not a per/],
    // direction, window, target
    ["unknown direction", { ...BASE, direction: "up" }, ["direction"], /^"up" is not a direction/],
    ["window too short", { ...BASE, window: "1s" }, ["window"], /^"1s" is out of range; a window is between 10s and 90d$/],
    ["window too long", { ...BASE, window: "91d" }, ["window"], /out of range/],
    ["window without unit", { ...BASE, window: "300" }, ["window"], /^"300" is not a duration; write e.g. "5m"/],
    ["window as text", { ...BASE, window: "forever" }, ["window"], /is not a duration/],
    ["target on an aggregate budget", { ...BASE, quantile: undefined, aggregate: "mean", target: 0.99 }, ["target"], /^only applies to quantile budgets: the good-event ratio/],
    ["target on a cost budget", { ...VALID["cost.resource"].def, target: 0.9 }, ["target"], /only applies to quantile budgets/],
    ["target of 1", { ...BASE, target: 1 }, ["target"], /is out of range; a target is a fraction below 1/],
    // allocation
    ["share without parent", { ...BASE, share: 0.5 }, ["share"], /^only applies to a child budget; set parent/],
    ["pool without parent", { ...BASE, pool: "p" }, ["pool"], /only applies to a child budget/],
    ["bounds without parent", { ...BASE, min: "1ms", max: "2ms" }, ["min", "max"], /only applies to a child budget/],
    ["own parent", { ...BASE, parent: "checkout-p99" }, ["parent"], /^a budget cannot be its own parent$/],
    ["invalid parent id", { ...child, parent: "Not An Id", share: 0.2 }, ["parent"], /is not a valid id/],
    ["child with threshold and share", { ...child, threshold: "10ms", share: 0.2 }, ["threshold"], /exactly one of threshold, share or pool; this one has threshold and share/],
    ["child with threshold and pool", { ...child, threshold: "10ms", pool: "p" }, ["threshold"], /this one has threshold and pool/],
    ["child without threshold, share or pool", { ...child }, ["threshold"], /a child budget needs exactly one of threshold \(explicit\), share/],
    ["bound on an explicit child", { ...child, threshold: "10ms", min: "5ms" }, ["min"], /bounds a derived threshold \(share or pool\)/],
    ["share 0", { ...child, share: 0 }, ["share"], /out of range; a share is a fraction above 0/],
    ["share above 1", { ...child, share: 1.5 }, ["share"], /a share is a fraction up to and including 1; did you mean 0.015\?/],
    ["share as a percentage number", { ...child, share: 40 }, ["share"], /did you mean 0.4\?/],
    ["share as a percentage text", { ...child, share: "40%" }, ["share"], /^"40%" is a percentage; write a share as a fraction, e.g. 0.4$/],
    ["invalid pool name", { ...child, pool: "my pool!" }, ["pool"], /is not a pool name/],
    ["min above max", { ...child, share: 0.3, min: "200ms", max: "100ms" }, ["min"], /^is above max/],
    ["min not in the child's unit", { ...child, share: 0.3, min: "5 cores" }, ["min"], /is not a duration/],
    // labels, title, description
    ["too many labels", { ...BASE, labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) }, ["labels"], /^has 33 entries; at most 32/],
    ["label key starting with a digit", { ...BASE, labels: { "9x": "a" } }, ["labels.9x"], /^"9x" is not a valid label key/],
    ["label key with a slash", { ...BASE, labels: { "app/name": "a" } }, ['labels["app/name"]'], /is not a valid label key/],
    ["numeric label value", { ...BASE, labels: { tier: 1 } }, ["labels.tier"], /^1 is not a string; label values are text \(quote numbers/],
    ["labels as a list", { ...BASE, labels: ["a"] }, ["labels"], /^a list is not a map of labels/],
    ["title of 201 characters", { ...BASE, title: "t".repeat(201) }, ["title"], /at most 200/],
    ["description of 2001 characters", { ...BASE, description: "d".repeat(2001) }, ["description"], /at most 2000/],
    // unknown keys
    ["mistyped key", { ...BASE, treshold: "300ms" }, ["treshold"], /^unknown field; did you mean "threshold"\?$/],
    ["unknown key", { ...BASE, colour: "red" }, ["colour"], /^unknown field; the fields are id, type, service/],
  ];

  it.each(cases)("%s", (_name, input, paths, message) => {
    const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    const problems = problemsOf(defined);
    expect(pathsOf(problems)).toEqual(paths);
    if (message) for (const p of problems) expect(p.message).toMatch(message);
  });

  it('says what to write for a duration without a unit: threshold: "300"', () => {
    expect(problemsOf({ ...BASE, threshold: "300" })).toEqual([
      { path: "threshold", message: `"300" is not a duration; write e.g. "300ms" or "1.5s" (a bare number is milliseconds)` },
    ]);
  });

  it("lists every problem at once, in field order", () => {
    const problems = problemsOf({
      id: "Bad Id",
      type: "latency.component",
      service: "",
      edge: "x->y",
      quantile: 0.99,
      aggregate: "mean",
      threshold: "300",
      per: "second",
      window: "1s",
      target: 2,
      share: 0.5,
      labels: { "9": "x", ok: 3 },
      tresh: 1,
    });
    expect(pathsOf(problems)).toEqual([
      "id",
      "service",
      "component",
      "edge",
      "quantile",
      "threshold",
      "per",
      "window",
      "target",
      "share",
      "labels.9",
      "labels.ok",
      "tresh",
    ]);
  });

  it("refuses what is not an object, at the root", () => {
    for (const input of ["budget", 5, null, undefined, ["a"], true]) {
      const problems = problemsOf(input);
      expect(pathsOf(problems)).toEqual([""]);
      expect(problems[0]!.message).toMatch(/is not a budget; a budget is an object of fields/);
    }
  });

  it("refuses an invalid currency option: it is configuration", () => {
    expect(() => parseBudget(BASE, { currency: "dollars" })).toThrow(/three-letter code/);
  });
});

describe("parseBudget: prototype pollution", () => {
  it("refuses __proto__ at the top level and leaves Object.prototype untouched", () => {
    const input: unknown = JSON.parse(`{"__proto__": {"polluted": true}, "id": "a", "type": "latency.total", "service": "s", "quantile": 0.9, "threshold": 5}`);
    const problems = problemsOf(input);
    expect(problems).toEqual([{ path: "__proto__", message: expect.stringMatching(/reserved name and is refused/) as unknown as string }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("refuses constructor and prototype keys, in labels and nested anywhere", () => {
    const input: unknown = JSON.parse(
      `{"id": "a", "type": "latency.total", "service": "s", "quantile": 0.9, "threshold": {"__proto__": {"x": 1}},
        "prototype": 1, "labels": {"constructor": "x", "__proto__": "y", "ok": "z"}}`,
    );
    const paths = pathsOf(problemsOf(input)).sort();
    expect(paths).toEqual(["labels.__proto__", "labels.constructor", "prototype", "threshold", "threshold.__proto__"].sort());
    expect(Object.prototype).not.toHaveProperty("x");
  });

  it("scans a deeply nested definition in linear time and names a forbidden key deep inside it", () => {
    // 100 000 levels fit in the API's 1 MiB body; copying the path per level took ~0.7 s (found by scripts/fuzz.mjs).
    const deep = 100_000;
    const input: unknown = JSON.parse(`{"id":"a","threshold":${'{"a":'.repeat(deep)}1${"}".repeat(deep)}}`);
    const t0 = performance.now();
    const r = parseBudget(input);
    expect(performance.now() - t0).toBeLessThan(300);
    expect(r.ok).toBe(false);
    const withKey: unknown = JSON.parse(`{"id":"a","labels":{"x":${'{"b":'.repeat(50)}{"__proto__":1}${"}".repeat(50)}}}`);
    expect(pathsOf(problemsOf(withKey))).toContain(`labels.x${".b".repeat(50)}.__proto__`);
  });

  it("gives a budget whose labels are an ordinary object with only the given keys", () => {
    const b = budget({ ...BASE, labels: { team: "web" } });
    expect(Object.getPrototypeOf(b.labels)).toBe(Object.prototype);
    expect(Object.keys(b.labels!)).toEqual(["team"]);
  });
});

describe("toDefinition", () => {
  it.each(BUDGET_TYPES.map((t) => [t]))("gives back a definition of a %s budget that parses to an equal budget", (type) => {
    const b = budget(VALID[type].def);
    const def = toDefinition(b);
    expect(parseBudget(def)).toEqual({ ok: true, budget: b });
    expect(parseBudget(JSON.parse(JSON.stringify(def)))).toEqual({ ok: true, budget: b });
  });

  it("keeps what the user wrote and makes defaults explicit", () => {
    const b = budget({ ...child, share: 0.4, min: "50ms", max: 400, labels: { team: "web" } });
    expect(toDefinition(b)).toEqual({
      id: "child",
      type: "latency.component",
      service: "checkout",
      component: "payment",
      quantile: 0.99,
      direction: "max",
      window: "5m",
      parent: "checkout-p99",
      share: 0.4,
      min: "50ms",
      max: 400,
      labels: { team: "web" },
    });
    expect(toDefinition(budget({ ...BASE, threshold: 250, window: 60_000 }))).toMatchObject({ threshold: 250, window: 60_000 });
  });
});
