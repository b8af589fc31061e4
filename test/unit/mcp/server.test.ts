// The MCP tool layer over a fake backend, through the SDK's in-memory transport and real Client:
// schemas, structured output (validated by the client against the output schemas), text, and
// isError results for refused definitions, missing roles, unknown services, budgets and traces.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import type { Role } from "../../../src/api/index.js";
import { EngineApiError, type AttributionJson, type BudgetJson } from "../../../src/client/index.js";
import { TOOL_NAMES, createMcpServer, describeBudget, explainStructured, type McpBackend } from "../../../src/mcp/index.js";

const notFound = (message: string) => new EngineApiError("not_found", message, { status: 404, request: "GET x" });

const budget: BudgetJson = { id: "shop-p99", type: "latency.total", service: "shop", operation: "POST /checkout", quantile: 0.99, threshold: "300ms", window: "5m", source: "api" };

const attribution: AttributionJson = {
  traceId: "ab".repeat(16),
  journey: { service: "shop", operation: "POST /checkout" },
  durationNs: 200e6,
  processingNs: 150e6,
  networkNs: 50e6,
  components: { payment: 100e6, shop: 50e6 },
  edges: { "shop->payment": 50e6 },
  criticalPath: [
    { spanId: "1", service: "shop", name: "POST /checkout", category: "processing", component: "shop", startOffsetNs: 0, durationNs: 50e6 },
    { spanId: "2", service: "shop", name: "POST pay", category: "network", edge: "shop->payment", startOffsetNs: 50e6, durationNs: 50e6 },
    { spanId: "3", service: "payment", name: "POST /pay", category: "processing", component: "payment", startOffsetNs: 100e6, durationNs: 100e6 },
  ],
};

function backend(over: Partial<McpBackend> = {}): McpBackend & { calls: string[] } {
  const calls: string[] = [];
  const unknownService = async (service: string): Promise<never> => {
    calls.push(`service ${service}`);
    throw notFound(`unknown service "${service}"`);
  };
  return {
    calls,
    baseUrl: "fake",
    listBudgets: async () => [budget],
    getBudget: async (id) => (id === budget.id ? budget : Promise.reject(notFound(`no budget "${id}"`))),
    defineBudget: async (def, opts) => {
      calls.push(`define ${JSON.stringify(def)} ${opts?.dryRun === true}`);
      return { budget: { ...budget, ...(def as object) } as BudgetJson, created: true, dryRun: opts?.dryRun === true };
    },
    deleteBudget: async (id) => {
      calls.push(`delete ${id}`);
      if (id !== budget.id) throw notFound(`no budget "${id}"`);
    },
    services: async () => [{ service: "shop" }],
    knownServices: async () => ["cart", "shop"],
    compliance: unknownService,
    track: unknownService,
    recommendations: unknownService,
    trace: async (id) => (id === attribution.traceId ? attribution : Promise.reject(notFound(`trace ${id} is not among the 10000 most recent attributions`))),
    reportText: async () => "# Report\n",
    ...over,
  };
}

const open: Client[] = [];
async function connect(b: McpBackend, role?: Role): Promise<Client> {
  const server = createMcpServer(b, role === undefined ? {} : { role });
  const [a, c] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "unit", version: "1" });
  await client.connect(c);
  open.push(client);
  return client;
}
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
const text = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

describe("createMcpServer", () => {
  it("registers every tool with a dotted title and input/output schemas, and the resources", async () => {
    const client = await connect(backend());
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([...TOOL_NAMES]);
    for (const t of tools) {
      expect(t.title).toBe(t.name.replace("_", "."));
      expect(t.outputSchema).toBeDefined();
    }
    const templates = await client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(["pbe://budgets/{id}", "pbe://services/{service}/report"]);
    const schema = await client.readResource({ uri: "pbe://schema/budget" });
    expect(JSON.parse((schema.contents[0] as { text: string }).text)).toMatchObject({ title: "PBE budget definition" });
  });

  it("budget_define passes the definition without dryRun, and says what it stored", async () => {
    const b = backend();
    const client = await connect(b);
    const r = await call(client, "budget_define", { id: "shop-p99", type: "latency.total", service: "shop", quantile: 0.99, threshold: "250ms", dryRun: true });
    expect(r.isError).toBeFalsy();
    expect(b.calls).toEqual([`define {"id":"shop-p99","type":"latency.total","service":"shop","quantile":0.99,"threshold":"250ms"} true`]);
    expect(r.structuredContent).toMatchObject({ dryRun: true, valid: true, budget: { threshold: "250ms" } });
    expect(r.structuredContent).not.toHaveProperty("created");
    expect(text(r)).toBe("Valid (dry run, nothing stored): shop-p99: latency.total p99 of shop (POST /checkout) ≤ 250ms over 5m");
  });

  it("budget_define lists every problem of a refused definition", async () => {
    const problems = [
      { path: "threshold", message: '"fast" is not a duration' },
      { path: "", message: "a latency budget needs quantile or aggregate" },
    ];
    const client = await connect(
      backend({
        defineBudget: async () => {
          throw new EngineApiError("validation_failed", "invalid budget definition", { status: 422, request: "PUT x", details: { problems } });
        },
      }),
    );
    const r = await call(client, "budget_define", { id: "x", type: "latency.total", service: "s", threshold: "fast" });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toEqual({ dryRun: false, valid: false, problems });
    expect(text(r)).toBe('The budget definition "x" was refused with 2 problems; nothing was stored:\n- threshold: "fast" is not a duration\n- (definition): a latency budget needs quantile or aggregate');
  });

  it("refuses budget_define and budget_delete for the read role without calling the backend", async () => {
    const b = backend();
    const client = await connect(b, "read");
    for (const [tool, args] of [
      ["budget_define", { id: "x", type: "latency.total", service: "s" }],
      ["budget_delete", { id: "shop-p99" }],
    ] as const) {
      const r = await call(client, tool, args);
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(new RegExp(`^${tool} needs the admin role`));
    }
    expect(b.calls).toEqual([]);
    expect((await call(client, "budget_list")).isError).toBeFalsy();
  });

  it("answers an unknown service by naming it and listing the known services", async () => {
    const client = await connect(backend());
    for (const tool of ["budget_compliance", "budget_track", "budget_recommendations"]) {
      const r = await call(client, tool, { service: "nope" });
      expect(r.isError).toBe(true);
      expect(text(r)).toBe('Unknown service "nope": no budget names it and no trace has shown it. Known services (2): cart, shop.');
    }
  });

  it("says when the engine lacks an endpoint instead of blaming the service", async () => {
    const client = await connect(
      backend({
        recommendations: async () => {
          throw notFound("no such endpoint: GET /api/v1/services/shop/recommendations");
        },
      }),
    );
    const r = await call(client, "budget_recommendations", { service: "shop" });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain("this engine does not serve that yet");
  });

  it("budget_delete of an unknown id lists the budgets; an unreachable engine says so", async () => {
    const client = await connect(
      backend({
        listBudgets: async () => {
          throw new EngineApiError("unavailable", "cannot reach the engine at http://x: ECONNREFUSED", { request: "GET x" });
        },
      }),
    );
    const del = await call(client, "budget_delete", { id: "other" });
    expect(text(del)).toBe('No budget "other". No budgets are defined.');
    const list = await call(client, "budget_list");
    expect(list.isError).toBe(true);
    expect(text(list)).toBe("budget_list: cannot reach the engine at http://x: ECONNREFUSED. Is the engine running (pbe serve)?");
  });

  it("trace_explain gives shares and the critical path; an unknown trace is an error", async () => {
    const client = await connect(backend());
    const r = await call(client, "trace_explain", { traceId: ` ${attribution.traceId} `, maxSegments: 2 });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ durationMs: 200, processingShare: 0.75, networkShare: 0.25, segments: 3, truncated: true });
    expect((r.structuredContent as { criticalPath: unknown[] }).criticalPath).toHaveLength(2);
    expect(text(r)).toContain("… 1 more segments");
    const unknown = await call(client, "trace_explain", { traceId: "cd".repeat(16) });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/^Unknown trace cdcd/);
  });

  it("budget_report returns the markdown as text and structured content", async () => {
    const client = await connect(backend());
    const r = await call(client, "budget_report", {});
    expect(r.structuredContent).toEqual({ format: "markdown", markdown: "# Report\n" });
    expect(text(r)).toBe("# Report\n");
  });
});

describe("explainStructured and describeBudget", () => {
  it("converts to milliseconds and shares that add up", () => {
    const s = explainStructured(attribution, 100) as { components: { component: string; durationMs: number; share: number }[]; edges: { share: number }[]; criticalPath: { share: number }[] };
    expect(s.components).toEqual([
      { component: "payment", durationMs: 100, share: 0.5 },
      { component: "shop", durationMs: 50, share: 0.25 },
    ]);
    const total = [...s.components, ...s.edges].reduce((a, c) => a + c.share, 0);
    expect(total).toBeCloseTo(1, 9);
    expect(s.criticalPath.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 9);
  });
  it("reads a budget as one line", () => {
    expect(describeBudget(budget)).toBe("latency.total p99 of shop (POST /checkout) ≤ 300ms over 5m");
    expect(describeBudget({ id: "f", type: "throughput.requests", service: "s", direction: "min", threshold: 5, per: "second", aggregate: "mean" })).toBe("throughput.requests mean of s ≥ 5/s over 5m");
  });
});
