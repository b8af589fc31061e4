export { Attributor, emptyAttribution } from "./attribute.js";
export { attributionToJson, type AttributionJson } from "./json.js";
export { packAttribution, packInto, packedLength, unpackAttribution, unpackFrom, type PackedAttribution } from "./pack.js";
export {
  Category,
  PathField,
  PATH_STRIDE,
  type Attribution,
  type CategoryValue,
  type TraceCounts,
  type TraceSpans,
} from "./types.js";
