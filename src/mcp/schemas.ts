/**
 * The MCP tools' input and output schemas (zod; the SDK turns them into the JSON Schemas that
 * `tools/list` shows). Answers of the API are reused from the client's schemas, so a tool's
 * structured output is the API's shape plus display texts and summaries.
 */
import { z } from "zod";
import { budgetJsonSchema } from "../budget/index.js";
import {
  BudgetJsonSchema,
  EVALUATION_STATUSES,
  EvaluationSchema,
  ForecastSchema,
  ProblemSchema,
  RecommendationSchema,
} from "../client/index.js";

const service = z.string().min(1).max(256).describe("The service name (service.name), e.g. checkout");

/**
 * `budget_define`'s input: one budget definition (the fields of CONTRACT.md "Budget definition")
 * plus `dryRun`. The advertised JSON Schema is the budget model's (`budgetJsonSchema()`), but the
 * SDK-side check is deliberately loose: the tool validates with `parseBudget` on the engine, so a
 * bad definition comes back as one `isError` result listing every problem with its path, not as
 * a protocol error naming the first.
 */
export function defineInputSchema() {
  return (defineInput ??= makeDefineInputSchema());
}

let defineInput: ReturnType<typeof makeDefineInputSchema> | undefined;

function makeDefineInputSchema() {
  const { $schema: _ignored, properties, required, allOf, title: _title, description: _description, additionalProperties: _ap, ...rest } = budgetJsonSchema() as {
    $schema?: string;
    properties: Record<string, unknown>;
    required?: string[];
    allOf?: unknown[];
    title?: string;
    description?: string;
    additionalProperties?: unknown;
  };
  return z.looseObject({ dryRun: z.boolean().optional() }).meta({
    ...rest,
    type: "object",
    description:
      "One performance budget definition (see docs/budgets.md), e.g. {id: checkout-p99, type: latency.total, service: frontend, " +
      "operation: POST /api/checkout, quantile: 0.99, threshold: 300ms, window: 5m, target: 0.99}; plus dryRun to validate only.",
    properties: {
      ...properties,
      dryRun: { type: "boolean", default: false, description: "Validate only (against the engine's other budgets too); store nothing." },
    },
    required: required ?? ["id", "type", "service"],
    ...(allOf ? { allOf } : {}),
    additionalProperties: false,
  });
}

export const DefineOutputSchema = z.object({
  dryRun: z.boolean(),
  /** False when the definition was refused; `problems` says why. */
  valid: z.boolean(),
  /** True when the budget did not exist before (absent for a dry run or a refusal). */
  created: z.boolean().optional(),
  /** The stored budget (or, for a dry run, the validated definition). */
  budget: BudgetJsonSchema.optional(),
  /** Every problem of a refused definition: field path and reason. */
  problems: z.array(ProblemSchema).optional(),
});

export const ListInputSchema = { service: service.optional().describe("Only the budgets of this service") };
export const ListOutputSchema = z.object({ count: z.number().int(), budgets: z.array(BudgetJsonSchema) });

export const DeleteInputSchema = { id: z.string().min(1).max(64).describe("The id of the budget to delete (an API-defined budget)") };
export const DeleteOutputSchema = z.object({ deleted: z.string() });

export const ServiceInputSchema = { service };

const displayed = {
  /** `observed` in the budget's unit for people, e.g. `412ms`. */
  observedText: z.string(),
  thresholdText: z.string(),
  usageText: z.string(),
};

export const ComplianceOutputSchema = z.object({
  service: z.string(),
  compliant: z.boolean(),
  violated: z.number().int(),
  noData: z.number().int(),
  budgets: z.array(EvaluationSchema.extend(displayed)),
});

export const TrackInputSchema = {
  service,
  points: z.number().int().min(5).max(120).optional().describe("How many recent history windows to return per budget (default 30)"),
};

const HistorySummarySchema = z.object({
  resolution: z.enum(["1m", "base"]).describe("1m: one-minute windows; base: the engine's evaluation windows"),
  stepMs: z.number().optional(),
  windows: z.number().int(),
  withData: z.number().int(),
  from: z.string().optional(),
  to: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  mean: z.number().optional(),
  last: z.number().optional(),
  recent: z.array(z.number().nullable()).describe("The last windows' values, oldest first; null = no data"),
});

export const TrackOutputSchema = z.object({
  service: z.string(),
  at: z.string(),
  budgets: z.array(
    z.object({
      budgetId: z.string(),
      type: z.string(),
      status: z.enum(EVALUATION_STATUSES),
      observed: z.number().nullable(),
      threshold: z.number().nullable(),
      unit: z.string(),
      usage: z.number().nullable(),
      window: z.string(),
      ...displayed,
      history: HistorySummarySchema,
      sparkline: z.string(),
      trend: ForecastSchema.optional(),
      trendText: z.string(),
    }),
  ),
});

export const RecommendationsOutputSchema = z.object({
  service: z.string(),
  at: z.string(),
  count: z.number().int(),
  recommendations: z.array(RecommendationSchema),
});

export const ReportInputSchema = { service: service.optional().describe("The service to report on; absent = every service") };
export const ReportOutputSchema = z.object({ service: z.string().optional(), format: z.literal("markdown"), markdown: z.string() });

export const ExplainInputSchema = {
  traceId: z.string().min(1).max(64).describe("The trace id: 32 hex digits"),
  maxSegments: z.number().int().min(1).max(2000).optional().describe("At most this many critical-path segments (default 100)"),
};

export const ExplainOutputSchema = z.object({
  traceId: z.string(),
  journey: z.object({ service: z.string(), operation: z.string() }),
  durationMs: z.number(),
  processingMs: z.number(),
  networkMs: z.number(),
  processingShare: z.number(),
  networkShare: z.number(),
  components: z.array(z.object({ component: z.string(), durationMs: z.number(), share: z.number() })),
  edges: z.array(z.object({ edge: z.string(), durationMs: z.number(), share: z.number() })),
  criticalPath: z.array(
    z.object({
      spanId: z.string(),
      service: z.string(),
      name: z.string(),
      category: z.enum(["processing", "network"]),
      component: z.string().optional(),
      edge: z.string().optional(),
      startOffsetMs: z.number().optional(),
      durationMs: z.number(),
      share: z.number(),
    }),
  ),
  /** Segments on the whole critical path (the list may be cut at maxSegments). */
  segments: z.number().int(),
  truncated: z.boolean(),
  counts: z.record(z.string(), z.number()).optional(),
  rootMissing: z.boolean().optional(),
});
