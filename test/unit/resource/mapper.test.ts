import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/index.js";
import { DEFAULT_RESOURCE_MAPPINGS, ResourceMapper, type ResourceSample } from "../../../src/resource/index.js";
import { CHECKOUT, exportOf, gauge, histPoint, histogram, ms, point, resource, sum } from "./helpers.js";

const NOW = ms(1000);
const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Maps exports in order (each at NOW + its index in seconds) and returns every sample. */
function mapAll(mapper: ResourceMapper, ...exports: ReturnType<typeof exportOf>[]): ResourceSample[] {
  return exports.flatMap((e, i) => mapper.map(e, NOW + i * 1000));
}

const cpuTime = (points: ReturnType<typeof point>[], unit = "s") => exportOf(resource(CHECKOUT, sum("process.cpu.time", unit, points)));

describe("cumulative sums become rates", () => {
  it("process.cpu.time 10 s → 12.5 s over 5 s is 0.5 cores; the first point is a baseline", () => {
    const m = new ResourceMapper();
    expect(m.map(cpuTime([point(10, { at: 100, start: 0 })]), NOW)).toEqual([]);
    expect(m.stats.baselines).toBe(1);
    expect(m.map(cpuTime([point(12.5, { at: 105, start: 0 })]), NOW + 1000)).toEqual([
      { service: "checkout", instance: "i-1", resource: "cpu", value: 0.5, timeMs: ms(105), metric: "process.cpu.time" },
    ]);
    expect(m.seriesCount).toBe(1);
  });

  it("a drop in value is a reset: no value for that interval, the next one from the new baseline", () => {
    const m = new ResourceMapper();
    const values = mapAll(
      m,
      cpuTime([point(10, { at: 100, start: 0 })]),
      cpuTime([point(12.5, { at: 105, start: 0 })]),
      cpuTime([point(1, { at: 110, start: 0 })]), // process restarted
      cpuTime([point(2, { at: 115, start: 0 })]),
    ).map((s) => [s.timeMs, s.value]);
    expect(values).toEqual([
      [ms(105), 0.5],
      [ms(115), 0.2],
    ]);
    expect(m.stats).toMatchObject({ resets: 1, baselines: 1, samples: 2 });
  });

  it("a new start time is a reset even when the value grew", () => {
    const m = new ResourceMapper();
    const values = mapAll(
      m,
      cpuTime([point(10, { at: 100, start: 0 })]),
      cpuTime([point(30, { at: 105, start: 103 })]),
      cpuTime([point(31, { at: 110, start: 103 })]),
    ).map((s) => s.value);
    expect(values).toEqual([0.2]);
    expect(m.stats.resets).toBe(1);
  });

  it("points not newer than the series' last one are ignored", () => {
    const m = new ResourceMapper();
    const values = mapAll(
      m,
      cpuTime([point(10, { at: 100 })]),
      cpuTime([point(12.5, { at: 105 })]),
      cpuTime([point(12.5, { at: 105 })]), // duplicate
      cpuTime([point(11, { at: 103 })]), // late
      cpuTime([point(15, { at: 110 })]),
    ).map((s) => s.value);
    expect(values).toEqual([0.5, 0.5]);
    expect(m.stats.outOfOrder).toBe(2);
    expect(m.stats.resets).toBe(0);
  });

  it("sums the modes of one instant into one sample, leaving out wait", () => {
    const m = new ResourceMapper();
    const at = (t: number, user: number, system: number, wait: number) =>
      cpuTime([
        point(user, { at: t, attributes: { "cpu.mode": "user" } }),
        point(system, { at: t, attributes: { "cpu.mode": "system" } }),
        point(wait, { at: t, attributes: { "cpu.mode": "wait" } }),
      ]);
    const out = mapAll(m, at(100, 6, 4, 1), at(105, 7.5, 5, 3));
    // (1.5 + 1) / 5 s
    expect(out).toEqual([{ service: "checkout", instance: "i-1", resource: "cpu", value: 0.5, timeMs: ms(105), metric: "process.cpu.time" }]);
    expect(m.stats.filtered).toBe(2);
  });

  it("honours the unit: ms of CPU time, KiBy of network", () => {
    const m = new ResourceMapper();
    expect(mapAll(m, cpuTime([point(10_000, { at: 100 })], "ms"), cpuTime([point(12_500, { at: 105 })], "ms")).map((s) => s.value)).toEqual([0.5]);
    const net = (t: number, kib: number) => exportOf(resource(CHECKOUT, sum("container.network.io", "KiBy", [point(kib, { at: t })])));
    expect(mapAll(new ResourceMapper(), net(100, 0), net(110, 10_240)).map((s) => s.value)).toEqual([MiB]);
  });
});

describe("delta sums", () => {
  it("rate = value / (time − start)", () => {
    const m = new ResourceMapper();
    const out = m.map(
      exportOf(
        resource(
          CHECKOUT,
          sum("container.cpu.time", "s", [point(2.5, { at: 105, start: 100 })], { temporality: "delta" }),
          sum("k8s.pod.network.io", "By", [point(5 * MiB, { at: 110, start: 100, attributes: { "network.io.direction": "receive" } })], { temporality: "delta" }),
        ),
      ),
      NOW,
    );
    expect(out.map((s) => [s.resource, s.value])).toEqual([
      ["cpu", 0.5],
      ["network", (5 * MiB) / 10],
    ]);
  });

  it("without a start time, the interval runs from the series' previous point", () => {
    const m = new ResourceMapper();
    const d = (t: number, v: number) => exportOf(resource(CHECKOUT, sum("container.cpu.time", "s", [point(v, { at: t })], { temporality: "delta" })));
    expect(mapAll(m, d(100, 3), d(104, 1)).map((s) => s.value)).toEqual([0.25]);
    expect(m.stats.baselines).toBe(1);
  });

  it("an empty or inverted interval is invalid", () => {
    const m = new ResourceMapper();
    const out = m.map(
      exportOf(resource(CHECKOUT, sum("container.cpu.time", "s", [point(1, { at: 100, start: 100 }), point(1, { at: 100, start: 101 })], { temporality: "delta" }))),
      NOW,
    );
    expect(out).toEqual([]);
    expect(m.stats.invalid).toBe(2);
  });
});

describe("gauges, units and filters", () => {
  it("memory gauges convert their unit; only state=used of system.memory.usage counts", () => {
    const m = new ResourceMapper();
    const out = m.map(
      exportOf(
        resource({ "service.name": "a" }, gauge("process.memory.usage", "MiBy", [point(512, { at: 100 })])),
        resource(
          { "service.name": "b" },
          sum(
            "system.memory.usage",
            "By",
            [point(4 * GiB, { at: 100, attributes: { "system.memory.state": "used" } }), point(2 * GiB, { at: 100, attributes: { "system.memory.state": "free" } })],
            { monotonic: false },
          ),
        ),
      ),
      NOW,
    );
    // A non-monotonic sum is a level, not a rate.
    expect(out.map((s) => [s.service, s.resource, s.value])).toEqual([
      ["a", "memory", 512 * MiB],
      ["b", "memory", 4 * GiB],
    ]);
    expect(m.stats.filtered).toBe(1);
  });

  it("storage: system.filesystem.usage used, summed over mountpoints", () => {
    const m = new ResourceMapper();
    const fs = (mount: string, state: string, v: number) => point(v, { at: 100, attributes: { "system.filesystem.mountpoint": mount, "system.filesystem.state": state } });
    const out = m.map(
      exportOf(resource(CHECKOUT, sum("system.filesystem.usage", "By", [fs("/", "used", 10 * GiB), fs("/", "free", 90 * GiB), fs("/data", "used", 5 * GiB)], { monotonic: false }))),
      NOW,
    );
    expect(out.map((s) => [s.resource, s.value])).toEqual([["storage", 15 * GiB]]);
  });

  it("a unit of the wrong kind is refused and counted", () => {
    const m = new ResourceMapper();
    const out = m.map(exportOf(resource(CHECKOUT, gauge("process.memory.usage", "s", [point(1, { at: 100 })]))), NOW);
    expect(out).toEqual([]);
    expect(m.stats.badUnit).toBe(1);
  });

  it("an unknown unit is read as the base unit and counted", () => {
    const m = new ResourceMapper();
    const out = m.map(exportOf(resource(CHECKOUT, gauge("process.memory.usage", "furlongs", [point(100, { at: 100 })]))), NOW);
    expect(out.map((s) => s.value)).toEqual([100]);
    expect(m.stats.unknownUnit).toBe(1);
  });

  it("negative values are invalid; unmapped metrics are counted", () => {
    const m = new ResourceMapper();
    const out = m.map(
      exportOf(resource(CHECKOUT, gauge("process.memory.usage", "By", [point(-1, { at: 100 })]), gauge("http.server.active_requests", "{request}", [point(3, { at: 100 })]))),
      NOW,
    );
    expect(out).toEqual([]);
    expect(m.stats).toMatchObject({ invalid: 1, unmapped: 1, points: 1 });
  });

  it("a network gauge in bytes per second is taken as is", () => {
    const m = new ResourceMapper({ mappings: [{ metric: "app.net.throughput", resource: "network" }] });
    const out = m.map(exportOf(resource(CHECKOUT, gauge("app.net.throughput", "KiBy/s", [point(2, { at: 100 })]))), NOW);
    expect(out.map((s) => s.value)).toEqual([2048]);
  });
});

describe("network", () => {
  const io = (t: number, tx: number, rx: number, loTx = 0) =>
    exportOf(
      resource(
        CHECKOUT,
        sum("system.network.io", "By", [
          point(tx, { at: t, attributes: { "network.io.direction": "transmit", "network.interface.name": "eth0" } }),
          point(rx, { at: t, attributes: { "network.io.direction": "receive", "network.interface.name": "eth0" } }),
          point(loTx, { at: t, attributes: { "network.io.direction": "transmit", "network.interface.name": "lo" } }),
        ]),
      ),
    );

  it("sums both directions into bytes/s and leaves out the loopback interface", () => {
    const m = new ResourceMapper();
    const out = mapAll(m, io(100, 1000, 2000, 0), io(105, 6000, 4000, 1e9));
    expect(out.map((s) => s.value)).toEqual([(5000 + 2000) / 5]);
  });

  it("a configured filter on network.io.direction counts one direction", () => {
    const m = new ResourceMapper({ mappings: [{ metric: "system.network.io", resource: "network", attributes: { "network.io.direction": "transmit" } }] });
    const out = mapAll(m, io(100, 1000, 2000), io(105, 6000, 4000));
    // The override replaces the built-in mapping: its loopback filter too (lo did not move here).
    expect(out.map((s) => s.value)).toEqual([1000]);
  });
});

describe("CPU utilization", () => {
  const util = (name: string, res: Record<string, string | number>, points: ReturnType<typeof point>[]) => exportOf(resource({ ...CHECKOUT, ...res }, gauge(name, "1", points)));

  it("is a fraction of the resource's CPU count", () => {
    const out = new ResourceMapper().map(util("process.cpu.utilization", { "host.cpu.count": 8 }, [point(0.25, { at: 100 })]), NOW);
    expect(out.map((s) => s.value)).toEqual([2]);
  });

  it("takes k8s.container.cpu.limit in millicores", () => {
    const out = new ResourceMapper().map(util("process.cpu.utilization", { "k8s.container.cpu.limit": "500m" }, [point(0.5, { at: 100 })]), NOW);
    expect(out.map((s) => s.value)).toEqual([0.25]);
  });

  it("without a CPU count: × the mapping's scale, else × 1", () => {
    expect(new ResourceMapper().map(util("process.cpu.utilization", {}, [point(0.25, { at: 100 })]), NOW).map((s) => s.value)).toEqual([0.25]);
    const scaled = new ResourceMapper({ mappings: [{ metric: "process.cpu.utilization", resource: "cpu", scale: 4 }] });
    expect(scaled.map(util("process.cpu.utilization", {}, [point(0.25, { at: 100 })]), NOW).map((s) => s.value)).toEqual([1]);
    // The resource's count wins over the scale.
    expect(scaled.map(util("process.cpu.utilization", { "host.cpu.count": 2 }, [point(0.25, { at: 101 })]), NOW).map((s) => s.value)).toEqual([0.5]);
  });

  it("per logical CPU: each point is a fraction of one CPU; idle is left out", () => {
    const cpu = (n: string, state: string, v: number) => point(v, { at: 100, attributes: { "system.cpu.logical_number": n, "system.cpu.state": state } });
    const out = new ResourceMapper().map(
      util("system.cpu.utilization", { "host.cpu.count": 2 }, [cpu("0", "user", 0.5), cpu("0", "idle", 0.5), cpu("1", "system", 0.25), cpu("1", "idle", 0.75)]),
      NOW,
    );
    expect(out.map((s) => s.value)).toEqual([0.75]);
  });
});

describe("histograms", () => {
  it("gauge mode: the mean of the interval's observations (delta and cumulative)", () => {
    const m = new ResourceMapper({ mappings: [{ metric: "app.heap.after_gc", resource: "memory" }] });
    const delta = m.map(exportOf(resource(CHECKOUT, histogram("app.heap.after_gc", "By", [histPoint(3, 3000, { at: 100, start: 90 })], "delta"))), NOW);
    expect(delta.map((s) => s.value)).toEqual([1000]);
    const cum = (t: number, count: number, total: number) => exportOf(resource({ ...CHECKOUT, "service.instance.id": "i-2" }, histogram("app.heap.after_gc", "KiBy", [histPoint(count, total, { at: t, start: 0 })])));
    // (4 − 1) KiB over 3 observations
    expect(mapAll(m, cum(100, 2, 1), cum(110, 5, 4)).map((s) => s.value)).toEqual([1024]);
  });

  it("rate mode: the sum per second; a histogram without a sum is invalid", () => {
    const m = new ResourceMapper({ mappings: [{ metric: "http.server.response.body.size", resource: "network", mode: "rate" }] });
    const h = (t: number, count: number, total: number | undefined) => exportOf(resource(CHECKOUT, histogram("http.server.response.body.size", "By", [histPoint(count, total, { at: t })])));
    expect(mapAll(m, h(100, 10, 0), h(105, 20, 5000), h(110, 30, undefined)).map((s) => s.value)).toEqual([1000]);
    expect(m.stats.invalid).toBe(1);
  });
});

describe("configured mappings", () => {
  it("a custom metric with an attribute filter and a scale", () => {
    const m = new ResourceMapper({ mappings: [{ metric: "app.cpu.millicores", resource: "cpu", attributes: { "worker.kind": "batch" }, scale: 0.001 }] });
    const out = m.map(
      exportOf(resource(CHECKOUT, gauge("app.cpu.millicores", "", [point(250, { at: 100, attributes: { "worker.kind": "batch" } }), point(900, { at: 100, attributes: { "worker.kind": "web" } })]))),
      NOW,
    );
    expect(out).toEqual([{ service: "checkout", instance: "i-1", resource: "cpu", value: 0.25, timeMs: ms(100), metric: "app.cpu.millicores" }]);
    expect(m.stats.filtered).toBe(1);
  });

  it("a filter may name a resource attribute", () => {
    const m = new ResourceMapper({ mappings: [{ metric: "process.memory.usage", resource: "memory", attributes: { "deployment.environment": "prod" } }] });
    const out = m.map(
      exportOf(
        resource({ "service.name": "a", "deployment.environment": "prod" }, gauge("process.memory.usage", "By", [point(1, { at: 100 })])),
        resource({ "service.name": "b", "deployment.environment": "dev" }, gauge("process.memory.usage", "By", [point(2, { at: 100 })])),
      ),
      NOW,
    );
    expect(out.map((s) => s.service)).toEqual(["a"]);
  });

  it("takes Config.metricMappings as they are loaded", () => {
    const config = configSchema.parse({ metricMappings: [{ metric: "jvm.memory.used", resource: "memory", attributes: { "jvm.memory.type": "heap" } }] });
    const m = new ResourceMapper({ mappings: config.metricMappings, serviceAttribute: config.serviceAttribute });
    const out = m.map(
      exportOf(
        resource(CHECKOUT, sum("jvm.memory.used", "By", [point(100, { at: 100, attributes: { "jvm.memory.type": "heap" } }), point(50, { at: 100, attributes: { "jvm.memory.type": "non_heap" } })], { monotonic: false })),
      ),
      NOW,
    );
    expect(out.map((s) => [s.metric, s.value])).toEqual([["jvm.memory.used", 100]]);
    expect(m.mappings[0]).toMatchObject({ metric: "jvm.memory.used", resource: "memory", scale: 1 });
    expect(m.mappings).toHaveLength(DEFAULT_RESOURCE_MAPPINGS.length + 1);
  });

  it("refuses a non-positive scale (config validates it; here it is a bug)", () => {
    expect(() => new ResourceMapper({ mappings: [{ metric: "x", resource: "cpu", scale: 0 }] })).toThrow(RangeError);
  });
});

describe("service and instance", () => {
  const mem = (res: Record<string, string>) => exportOf(resource(res, gauge("process.memory.usage", "By", [point(1, { at: 100 })])));

  it("the service from a configured attribute such as k8s.deployment.name, else service.name, else unknown_service", () => {
    const m = new ResourceMapper({ serviceAttribute: "k8s.deployment.name" });
    const services = [
      mem({ "k8s.deployment.name": "checkout-v2", "service.name": "checkout" }),
      mem({ "service.name": "cart" }),
      mem({}),
    ].flatMap((e) => m.map(e, NOW).map((s) => s.service));
    expect(services).toEqual(["checkout-v2", "cart", "unknown_service"]);
  });

  it("the instance: service.instance.id, else k8s.pod.name, else host.name, else default", () => {
    const m = new ResourceMapper();
    const instances = [
      mem({ "service.name": "s", "service.instance.id": "id", "k8s.pod.name": "pod", "host.name": "h" }),
      mem({ "service.name": "s", "k8s.pod.name": "pod", "host.name": "h" }),
      mem({ "service.name": "s", "host.name": "h" }),
      mem({ "service.name": "s" }),
    ].flatMap((e) => m.map(e, NOW).map((s) => s.instance));
    expect(instances).toEqual(["id", "pod", "h", "default"]);
  });

  it("containers of one pod (one instance) are summed when they report at the same instant", () => {
    const pod = (container: string, v: number) => resource({ "k8s.deployment.name": "shop", "k8s.pod.name": "shop-1", "k8s.container.name": container }, gauge("container.memory.usage", "By", [point(v, { at: 100 })]));
    const out = new ResourceMapper({ serviceAttribute: "k8s.deployment.name" }).map(exportOf(pod("app", 300), pod("sidecar", 50)), NOW);
    expect(out.map((s) => [s.service, s.instance, s.value])).toEqual([["shop", "shop-1", 350]]);
  });
});

describe("preference among metrics of one instance", () => {
  it("process memory wins over the host's; another instance with only the host's keeps it", () => {
    const m = new ResourceMapper();
    const out = m.map(
      exportOf(
        resource(
          CHECKOUT,
          gauge("system.memory.usage", "By", [point(8 * GiB, { at: 100, attributes: { "system.memory.state": "used" } })]),
          gauge("process.memory.usage", "By", [point(300 * MiB, { at: 100 })]),
        ),
        resource({ ...CHECKOUT, "service.instance.id": "i-2" }, gauge("system.memory.usage", "By", [point(6 * GiB, { at: 100, attributes: { "system.memory.state": "used" } })])),
      ),
      NOW,
    );
    expect(out.map((s) => [s.instance, s.metric, s.value])).toEqual([
      ["i-1", "process.memory.usage", 300 * MiB],
      ["i-2", "system.memory.usage", 6 * GiB],
    ]);
    expect(m.stats.shadowed).toBe(1);
  });

  it("a cumulative baseline already claims its place (no utilization sample meanwhile)", () => {
    const m = new ResourceMapper();
    const both = (t: number, time: number) =>
      exportOf(resource({ ...CHECKOUT, "host.cpu.count": 4 }, sum("process.cpu.time", "s", [point(time, { at: t })]), gauge("process.cpu.utilization", "1", [point(0.5, { at: t })])));
    expect(mapAll(m, both(100, 10), both(105, 12.5)).map((s) => [s.metric, s.value])).toEqual([["process.cpu.time", 0.5]]);
  });

  it("the preferred metric holds for the TTL after its last point, then the next one takes over", () => {
    const m = new ResourceMapper({ seriesTtlMs: 60_000 });
    const container = exportOf(resource(CHECKOUT, gauge("container.memory.usage", "By", [point(100, { at: 100 })])));
    const processOnly = (t: number) => exportOf(resource(CHECKOUT, gauge("process.memory.usage", "By", [point(90, { at: t })])));
    expect(m.map(container, NOW)).toHaveLength(1);
    expect(m.map(processOnly(130), NOW + 30_000)).toEqual([]);
    expect(m.map(processOnly(190), NOW + 90_000).map((s) => s.metric)).toEqual(["process.memory.usage"]);
  });

  it("configured metrics are preferred to the built-in ones", () => {
    const m = new ResourceMapper({ mappings: [{ metric: "jvm.memory.used", resource: "memory" }] });
    const out = m.map(exportOf(resource(CHECKOUT, gauge("process.memory.usage", "By", [point(500, { at: 100 })]), gauge("jvm.memory.used", "By", [point(200, { at: 100 })]))), NOW);
    expect(out.map((s) => s.metric)).toEqual(["jvm.memory.used"]);
  });
});

describe("bounded state", () => {
  it("forgets a series not seen for the TTL: its next point is a new baseline", () => {
    const m = new ResourceMapper({ seriesTtlMs: 60_000 });
    m.map(cpuTime([point(10, { at: 100 })]), NOW);
    expect(m.map(cpuTime([point(12.5, { at: 105 })]), NOW + 120_000)).toEqual([]);
    expect(m.stats).toMatchObject({ evicted: 2, baselines: 2 }); // the series and its source
    expect(m.map(cpuTime([point(15, { at: 110 })]), NOW + 121_000).map((s) => s.value)).toEqual([0.5]);
  });

  it("refuses new series beyond maxSeries and counts them", () => {
    const m = new ResourceMapper({ maxSeries: 1 });
    const two = (t: number, v: number) =>
      cpuTime([point(v, { at: t, attributes: { "cpu.mode": "user" } }), point(v, { at: t, attributes: { "cpu.mode": "system" } })]);
    const out = mapAll(m, two(100, 10), two(105, 12.5));
    expect(m.seriesCount).toBe(1);
    expect(m.stats.overflow).toBe(2);
    expect(out.map((s) => s.value)).toEqual([0.5]); // only the tracked series
  });

  it("refuses a TTL or cap that cannot work", () => {
    expect(() => new ResourceMapper({ seriesTtlMs: 0 })).toThrow(RangeError);
    expect(() => new ResourceMapper({ maxSeries: 0 })).toThrow(RangeError);
  });
});
