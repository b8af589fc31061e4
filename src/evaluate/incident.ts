/** Incident ids: deterministic, so a restarted engine names an open incident as before. */

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/** FNV-1a 64 of `${budgetId}:${startedAtMs}` (UTF-8), as 16 hex digits. */
export function incidentId(budgetId: string, startedAtMs: number): string {
  let h = FNV_OFFSET;
  for (const byte of encoder.encode(`${budgetId}:${startedAtMs}`)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK;
  }
  return h.toString(16).padStart(16, "0");
}
