/**
 * `pbe demo`: the engine and a simulated shop that sends it real OTLP through the OpenTelemetry
 * SDK, a scripted incident, a live terminal and an HTML report. See docs/demo.md.
 */
export { runDemo, DEMO_BUDGETS_FILE, type DemoOptions } from "./run.js";
export { timeline, phaseAt, PHASE_FRACTIONS, type Phase, type PhaseId, type Conditions } from "./timeline.js";
export { Shop, hrTime, type ShopOptions, type ShopStats } from "./shop.js";
export { TracePlanner, JOURNEYS, SHOP_SERVICES, countSpans, type PlannedSpan, type ShopService, type JourneyId } from "./traffic.js";
