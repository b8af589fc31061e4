/**
 * The built-in mappings from OpenTelemetry semantic-convention metrics to resources, in order of
 * preference within each resource: when one instance reports several metrics of a resource
 * (HostMetrics sends process.* and system.*), only the first in this order counts, so a
 * process's memory is never averaged with its host's.
 */
import type { AttributeValue } from "../otlp/index.js";
import type { ResourceMapping } from "./types.js";

type Get = (key: string) => AttributeValue | undefined;

/** The first of `keys` that is present. Attribute names changed across semantic-convention releases. */
function first(get: Get, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = get(k);
    if (v !== undefined) return String(v);
  }
  return undefined;
}

/** CPU modes that are not work done: idle, waiting for I/O, stolen by the hypervisor. */
const NOT_BUSY = new Set(["idle", "wait", "iowait", "steal"]);
const CPU_MODE_KEYS = ["cpu.mode", "system.cpu.state", "process.cpu.state", "state"];
/** Points of a CPU metric in a busy mode (or with no mode at all). */
export const busyCpu = (get: Get): boolean => {
  const mode = first(get, CPU_MODE_KEYS);
  return mode === undefined || !NOT_BUSY.has(mode);
};

/** Points whose state (`<prefix>.state`, or `state` in older collectors) is `used`. */
const stateUsed =
  (key: string) =>
  (get: Get): boolean =>
    first(get, [key, "state"]) === "used";

const LOOPBACK = new Set(["lo", "lo0"]);
/** Host network points that are not on the loopback interface (local traffic costs nothing). */
const notLoopback = (get: Get): boolean => {
  const device = first(get, ["network.interface.name", "system.device", "device", "interface"]);
  return device === undefined || !LOOPBACK.has(device);
};

/**
 * Every built-in mapping. Sums of CPU time and of network bytes become rates (cores, bytes/s);
 * utilization gauges are fractions of the CPUs available (see the mapper for the CPU count).
 * `system.disk.io` is deliberately absent: it is I/O throughput (bytes/s), while a storage
 * budget is about bytes held; map it in the config file if that is what you want to budget.
 */
export const DEFAULT_RESOURCE_MAPPINGS: readonly Readonly<ResourceMapping>[] = Object.freeze(
  (
    [
  // cpu
  { metric: "container.cpu.usage", resource: "cpu", where: busyCpu },
  { metric: "container.cpu.time", resource: "cpu", where: busyCpu },
  { metric: "k8s.pod.cpu.usage", resource: "cpu", where: busyCpu },
  { metric: "process.cpu.time", resource: "cpu", where: busyCpu },
  { metric: "process.cpu.utilization", resource: "cpu", where: busyCpu },
  { metric: "system.cpu.utilization", resource: "cpu", where: busyCpu },
  // memory
  { metric: "container.memory.usage", resource: "memory" },
  { metric: "k8s.pod.memory.usage", resource: "memory" },
  { metric: "process.memory.usage", resource: "memory" },
  { metric: "system.memory.usage", resource: "memory", where: stateUsed("system.memory.state") },
  // network
  { metric: "container.network.io", resource: "network" },
  { metric: "k8s.pod.network.io", resource: "network" },
  { metric: "system.network.io", resource: "network", where: notLoopback },
  // storage
  { metric: "container.filesystem.usage", resource: "storage" },
  { metric: "system.filesystem.usage", resource: "storage", where: stateUsed("system.filesystem.state") },
    ] satisfies ResourceMapping[]
  ).map((m) => Object.freeze(m)),
);
