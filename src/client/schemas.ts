/**
 * The engine API's answers as zod schemas (CONTRACT.md "Results" and "HTTP API"): the client
 * checks every answer with them, and the MCP tools build their output schemas from them. Objects
 * are loose on purpose: a newer engine may add fields, and an older client must keep working.
 */
import { z } from "zod";

const num = z.number();
const str = z.string();

export const ProblemSchema = z.object({ path: str, message: str });
export type ApiProblem = z.infer<typeof ProblemSchema>;

/** A budget as the API shows it: the clean definition plus `source`, `createdAt`, `updatedAt`. */
export const BudgetJsonSchema = z.looseObject({
  id: str,
  type: str,
  service: str,
  operation: str.optional(),
  component: str.optional(),
  edge: str.optional(),
  quantile: num.optional(),
  aggregate: str.optional(),
  threshold: z.union([num, str]).optional(),
  per: str.optional(),
  direction: str.optional(),
  window: z.union([num, str]).optional(),
  target: num.optional(),
  parent: str.optional(),
  share: num.optional(),
  pool: str.optional(),
  min: z.union([num, str]).optional(),
  max: z.union([num, str]).optional(),
  labels: z.record(str, str).optional(),
  title: str.optional(),
  description: str.optional(),
  /** `api` or `file:<path>`. */
  source: str.optional(),
  createdAt: str.optional(),
  updatedAt: str.optional(),
});
export type BudgetJson = z.infer<typeof BudgetJsonSchema>;

export const BudgetListSchema = z.looseObject({ budgets: z.array(BudgetJsonSchema) });

/** `POST|PUT …?dryRun=true`: the definition is valid (nothing stored). */
export const DryRunSchema = z.looseObject({ valid: z.literal(true), budget: BudgetJsonSchema });

export const BurnRateSchema = z.looseObject({
  longWindowMs: num,
  shortWindowMs: num,
  factor: num,
  longRate: num,
  shortRate: num,
  alerting: z.boolean(),
});
export type BurnRateJson = z.infer<typeof BurnRateSchema>;

export const ComponentShareSchema = z.looseObject({ component: str, share: num });

export const EVALUATION_STATUSES = ["ok", "violated", "no-data"] as const;

/** The compliance of one budget (CONTRACT.md "Compliance"). */
export const EvaluationSchema = z.looseObject({
  budgetId: str,
  type: str,
  service: str,
  operation: str.optional(),
  status: z.enum(EVALUATION_STATUSES),
  observed: num.nullable(),
  threshold: num.nullable(),
  unit: str,
  usage: num.nullable(),
  window: str,
  windowMs: num.optional(),
  samples: num,
  goodRatio: num.optional(),
  errorBudgetRemaining: num.optional(),
  burnRates: z.array(BurnRateSchema).optional(),
  evaluatedAt: str,
  topComponents: z.array(ComponentShareSchema).optional(),
  exemplars: z.array(str).optional(),
});
export type EvaluationJson = z.infer<typeof EvaluationSchema>;

export const ComplianceSchema = z.looseObject({
  service: str,
  compliant: z.boolean(),
  violated: num,
  budgets: z.array(EvaluationSchema),
});
export type ComplianceJson = z.infer<typeof ComplianceSchema>;

/** A budget's trend and forecast (src/trend `Forecast`). */
export const ForecastSchema = z.looseObject({
  status: str,
  atMs: num.nullable().optional(),
  inMs: num.nullable().optional(),
  earliestMs: num.nullable().optional(),
  latestMs: num.nullable().optional(),
  slopePerHour: num.nullable(),
  confidence: z.looseObject({ lowPerHour: num, highPerHour: num, level: num, significant: z.boolean() }).optional(),
  valueNow: num.nullable().optional(),
  pValue: num.nullable().optional(),
  n: num,
});
export type ForecastJson = z.infer<typeof ForecastSchema>;

export const TrackPointSchema = z.looseObject({ t: num, observed: num.nullable(), count: num });
export type TrackPointJson = z.infer<typeof TrackPointSchema>;

export const TrackEntrySchema = z.looseObject({
  budgetId: str,
  evaluation: EvaluationSchema,
  history: z.looseObject({ base: z.array(TrackPointSchema), minutes: z.array(TrackPointSchema), hours: z.array(TrackPointSchema) }),
  trend: ForecastSchema.optional(),
});
export type TrackEntryJson = z.infer<typeof TrackEntrySchema>;

export const TrackSchema = z.looseObject({ service: str, at: str, budgets: z.array(TrackEntrySchema) });
export type TrackJson = z.infer<typeof TrackSchema>;

/** One recommendation: evidence-based and actionable (ARCHITECTURE.md §6). */
export const RecommendationSchema = z.looseObject({
  kind: str,
  severity: str,
  service: str,
  budgetId: str.optional(),
  title: str,
  message: str,
  evidence: z.unknown(),
  proposal: z.unknown().optional(),
});
export type RecommendationJson = z.infer<typeof RecommendationSchema>;

export const RecommendationsSchema = z.looseObject({ service: str, at: str, recommendations: z.array(RecommendationSchema) });
export type RecommendationsJson = z.infer<typeof RecommendationsSchema>;

export const CriticalSegmentSchema = z.looseObject({
  spanId: str,
  service: str,
  name: str,
  category: z.enum(["processing", "network"]),
  component: str.optional(),
  edge: str.optional(),
  startOffsetNs: num.optional(),
  durationNs: num,
});

/** A trace's attribution (CONTRACT.md "Trace attribution"). */
export const AttributionSchema = z.looseObject({
  traceId: str,
  journey: z.looseObject({ service: str, operation: str }),
  startTimeUnixNano: str.optional(),
  durationNs: num,
  processingNs: num,
  networkNs: num,
  components: z.record(str, num),
  edges: z.record(str, num),
  criticalPath: z.array(CriticalSegmentSchema),
  counts: z.record(str, num).optional(),
  rootMissing: z.boolean().optional(),
});
export type AttributionJson = z.infer<typeof AttributionSchema>;

export const ServiceInfoSchema = z.looseObject({
  service: str,
  lastSeen: str.optional(),
  journeys: z.array(z.looseObject({ operation: str, traces: num, meanDurationMs: num, lastSeen: str.optional() })).optional(),
  components: z.array(str).optional(),
  edges: z.array(str).optional(),
});
export type ServiceInfoJson = z.infer<typeof ServiceInfoSchema>;

export const ServicesSchema = z.looseObject({ services: z.array(ServiceInfoSchema) });

export const ErrorBodySchema = z.looseObject({
  error: z.looseObject({ code: str, message: str, details: z.unknown().optional() }),
});
