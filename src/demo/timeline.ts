/**
 * The demo's scripted incident, scaled to the run's length: healthy → the payment provider slows
 * down → the cart also starts an N+1 query pattern → both recover. Pure: times are offsets from
 * the start of the traffic.
 *
 * The fractions are chosen so that, with the demo's budget windows (10–20 s) and the engine's
 * 2 s evaluation, every alert fires within a few seconds of its phase start even in a 20 s run,
 * and, in the default 90 s run, every alert also resolves before the end: the recovered phase
 * (45 % of the run, 40 s) outlasts the longest window (20 s) plus three ok evaluations (6 s).
 */

export type PhaseId = "healthy" | "payment-slow" | "n-plus-one" | "recovered";

/** What the simulated shop does during a phase. */
export interface Conditions {
  /** Multiplies the latency of the third-party payment API (stripe-api). */
  stripeFactor: number;
  /** Median extra time a payment request waits for a connection in checkout's pool (network time checkout->payment), ms. */
  paymentQueueMs: number;
  /** The cart loads each item with its own query (10–20 per request) instead of one join. */
  nPlusOne: boolean;
}

export interface Phase {
  id: PhaseId;
  /** One line for the banner. */
  title: string;
  /** What to watch for, for the banner's second half. */
  detail: string;
  fromMs: number;
  toMs: number;
  conditions: Conditions;
}

const HEALTHY: Conditions = { stripeFactor: 1, paymentQueueMs: 0, nPlusOne: false };

/** Phase boundaries as fractions of the run. */
export const PHASE_FRACTIONS: Readonly<Record<PhaseId, readonly [number, number]>> = {
  healthy: [0, 0.15],
  "payment-slow": [0.15, 0.35],
  "n-plus-one": [0.35, 0.55],
  recovered: [0.55, 1],
};

/** The phases of a run of `durationMs`, in order, covering `[0, durationMs)`. */
export function timeline(durationMs: number): Phase[] {
  const at = (f: number) => Math.round(durationMs * f);
  const span = (id: PhaseId) => ({ fromMs: at(PHASE_FRACTIONS[id][0]), toMs: at(PHASE_FRACTIONS[id][1]) });
  return [
    {
      id: "healthy",
      title: "healthy: the shop serves its traffic within every budget",
      detail: "browse, add to cart and checkout journeys flow through frontend, cart, checkout, payment and inventory",
      ...span("healthy"),
      conditions: HEALTHY,
    },
    {
      id: "payment-slow",
      title: "payment is slowing down: the external payment API (stripe-api) answers 5× slower",
      detail: "watch checkout's p99 and the stripe-api component budget; payment's own processing stays fine",
      ...span("payment-slow"),
      conditions: { stripeFactor: 5, paymentQueueMs: 5, nPlusOne: false },
    },
    {
      id: "n-plus-one",
      title: "the cart starts an N+1 query pattern: one PostgreSQL query per cart item (10–20 per request)",
      detail: "watch queries per add-to-cart trace and the cart's CPU; payment is still slow",
      ...span("n-plus-one"),
      conditions: { stripeFactor: 5, paymentQueueMs: 5, nPlusOne: true },
    },
    {
      id: "recovered",
      title: "recovered: stripe-api is fast again and the cart's fix is deployed",
      detail: "alerts resolve once the bad traces have left each budget's window and three evaluations in a row are ok",
      ...span("recovered"),
      conditions: HEALTHY,
    },
  ];
}

/** The phase at `elapsedMs` (the last one from its end on). */
export function phaseAt(phases: readonly Phase[], elapsedMs: number): Phase {
  for (const p of phases) if (elapsedMs < p.toMs) return p;
  return phases[phases.length - 1]!;
}
