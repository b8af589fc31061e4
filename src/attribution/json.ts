import { spanIdToHex, traceKeyToHex, wordsToBigInt, type StringTables } from "../span/index.js";
import { Category, PATH_STRIDE, PathField, type Attribution, type TraceCounts } from "./types.js";

/** The API's trace attribution (CONTRACT.md, "Trace attribution"). */
export interface AttributionJson {
  traceId: string;
  journey: { service: string; operation: string };
  /** The root span's start, Unix nanoseconds as a decimal string (exact). */
  startTimeUnixNano: string;
  durationNs: number;
  processingNs: number;
  networkNs: number;
  components: Record<string, number>;
  edges: Record<string, number>;
  criticalPath: { spanId: string; service: string; name: string; category: "processing" | "network"; component?: string; edge?: string; startOffsetNs: number; durationNs: number }[];
  counts: TraceCounts;
  rootMissing: boolean;
}

/** Renders an attribution with names instead of ids. */
export function attributionToJson(a: Attribution, tables: StringTables): AttributionJson {
  const str = (id: number) => tables.strings.get(id);
  const components: Record<string, number> = Object.create(null);
  for (let i = 0; i < a.componentIds.length; i++) components[str(a.componentIds[i])] = a.componentNs[i];
  const edges: Record<string, number> = Object.create(null);
  for (let i = 0; i < a.edgeIds.length; i++) edges[str(a.edgeIds[i])] = a.edgeNs[i];
  const criticalPath: AttributionJson["criticalPath"] = [];
  const p = a.path;
  for (let o = 0; o < p.length; o += PATH_STRIDE) {
    const network = p[o + PathField.CATEGORY] === Category.NETWORK;
    const key = str(p[o + PathField.KEY]);
    criticalPath.push({
      spanId: spanIdToHex(p[o + PathField.SPAN_LO], p[o + PathField.SPAN_HI]),
      service: str(p[o + PathField.SERVICE]),
      name: str(p[o + PathField.NAME]),
      category: network ? "network" : "processing",
      ...(network ? { edge: key } : { component: key }),
      startOffsetNs: p[o + PathField.START_NS],
      durationNs: p[o + PathField.DURATION_NS],
    });
  }
  return {
    traceId: traceKeyToHex(a.traceKey),
    journey: { service: str(a.journeyService), operation: str(a.journeyOperation) },
    startTimeUnixNano: wordsToBigInt(a.startLo, a.startHi).toString(),
    durationNs: a.durationNs,
    processingNs: a.processingNs,
    networkNs: a.networkNs,
    components: { ...components },
    edges: { ...edges },
    criticalPath,
    counts: { ...a.counts },
    rootMissing: a.rootMissing,
  };
}
