// deploy/: every YAML file parses, and the parts that others rely on are where they should be:
// the collector fans out to the engine with gzip, retries and a queue; the manifests probe the
// right paths, mount the budgets the engine is started with, and those budgets are valid.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse } from "yaml";
import { parseBudgetFile } from "../../../src/budget/index.js";

const deploy = join(import.meta.dirname, "../../../deploy");
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function yamlDocs(path: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  for (const d of docs) expect(d.errors, `${path}: ${d.errors.map((e) => e.message).join("; ")}`).toEqual([]);
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

const k8s = readdirSync(join(deploy, "k8s")).filter((f) => /\.ya?ml$/.test(f)).flatMap((f) => yamlDocs(join(deploy, "k8s", f)));
const byKind = (kind: string, name?: string) => k8s.find((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));

describe("deploy/", () => {
  it("parses every YAML file", () => {
    const files = ["otel-collector.yaml", "prometheus.yml", ...readdirSync(join(deploy, "k8s")).map((f) => `k8s/${f}`)];
    for (const f of files) expect(yamlDocs(join(deploy, f)).length, f).toBeGreaterThan(0);
    expect(k8s.map((d) => d.kind).sort()).toEqual(["ConfigMap", "Deployment", "PersistentVolumeClaim", "Service", "Service"]);
  });

  it("collector: OTLP in, traces and metrics out to a backend and to the engine (gzip, retries, queue)", () => {
    const c = yamlDocs(join(deploy, "otel-collector.yaml"))[0]!;
    expect(Object.keys(c.receivers.otlp.protocols).sort()).toEqual(["grpc", "http"]);
    const pbe = c.exporters["otlp/pbe"];
    expect(pbe.compression).toBe("gzip");
    expect(pbe.retry_on_failure.enabled).toBe(true);
    expect(pbe.sending_queue.enabled).toBe(true);
    const p = c.service.pipelines;
    expect(p.traces.exporters).toEqual(expect.arrayContaining(["otlp/pbe", "otlp/tempo"]));
    const metricsExporters = Object.entries(p as Record<string, { exporters: string[] }>)
      .filter(([name]) => name.startsWith("metrics"))
      .flatMap(([, v]) => v.exporters);
    expect(metricsExporters).toEqual(expect.arrayContaining(["otlp/pbe", "otlphttp/metrics"]));
    // The engine's own metrics are filtered out before they reach it.
    expect(p["metrics/pbe"].processors).toContain("filter/not-pbe");
    // Every component a pipeline names is defined.
    for (const pipe of Object.values(p as Record<string, Record<string, string[]>>)) {
      for (const kind of ["receivers", "processors", "exporters"]) for (const n of pipe[kind] ?? []) expect(c[kind][n], `${kind} ${n}`).toBeDefined();
    }
    // The loadbalancing variant (commented out) is valid YAML once uncommented, routes traces by
    // trace id and metrics by service, and keeps gzip, retries and the queue.
    const lines = readFileSync(join(deploy, "otel-collector.yaml"), "utf8").split("\n");
    const start = lines.findIndex((l) => l.startsWith("  # loadbalancing/pbe-traces:"));
    expect(start).toBeGreaterThan(0);
    const block: string[] = [];
    for (let i = start; i < lines.length && lines[i]!.startsWith("  #"); i++) block.push(lines[i]!.replace(/^ {2}# ?/, ""));
    const lb = parse(block.join("\n")) as Doc;
    expect(lb["loadbalancing/pbe-traces"].routing_key).toBe("traceID");
    expect(lb["loadbalancing/pbe-traces"].protocol.otlp.compression).toBe("gzip");
    expect(lb["loadbalancing/pbe-traces"].protocol.otlp.retry_on_failure.enabled).toBe(true);
    expect(lb["loadbalancing/pbe-traces"].protocol.otlp.sending_queue.enabled).toBe(true);
    expect(lb["loadbalancing/pbe-traces"].resolver.k8s.service).toMatch(/^pbe-headless\./);
    expect(lb["loadbalancing/pbe-metrics"].routing_key).toBe("service");
  });

  it("prometheus scrapes the engine's /metrics", () => {
    const p = yamlDocs(join(deploy, "prometheus.yml"))[0]!;
    const job = p.scrape_configs.find((j: Doc) => j.job_name === "pbe");
    expect(job.metrics_path).toBe("/metrics");
    expect(job.static_configs[0].targets).toEqual(["pbe:8080"]);
  });

  it("k8s: Deployment with probes, the token from a Secret, /data and the budgets ConfigMap", () => {
    const d = byKind("Deployment", "pbe")!;
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe("registry.example.com/pbe:0.1.0"); // the documented placeholder
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http-api" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http-api" });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    const token = c.env.find((e: Doc) => e.name === "PBE_API_TOKEN");
    expect(token.valueFrom.secretKeyRef).toEqual({ name: "pbe-api", key: "token" });
    const ports = Object.fromEntries(c.ports.map((p: Doc) => [p.name, p.containerPort]));
    expect(ports).toEqual({ "otlp-grpc": 4317, "otlp-http": 4318, "http-api": 8080 });

    const args: string[] = c.args;
    const budgetsPath = args[args.indexOf("--budgets") + 1]!;
    const dataDir = args[args.indexOf("--data-dir") + 1]!;
    const mount = (path: string) => c.volumeMounts.find((m: Doc) => path.startsWith(m.mountPath));
    const volume = (name: string) => pod.volumes.find((v: Doc) => v.name === name);
    expect(volume(mount(dataDir).name).persistentVolumeClaim.claimName).toBe(byKind("PersistentVolumeClaim")!.metadata.name);
    const cmName = volume(mount(budgetsPath).name).configMap.name;
    const cm = byKind("ConfigMap", cmName)!;
    const file = budgetsPath.slice(mount(budgetsPath).mountPath.length + 1);
    expect(cm.data[file]).toBeDefined();

    // The budgets the engine starts with are valid (the engine refuses to start otherwise).
    const parsed = parseBudgetFile(cm.data[file], file);
    expect(parsed.problems).toEqual([]);
    expect(parsed.budgets.length).toBeGreaterThan(0);
  });

  it("k8s: Service with 4317, 4318, 8080 and a headless Service for load balancing", () => {
    const s = byKind("Service", "pbe")!;
    expect(s.spec.ports.map((p: Doc) => p.port).sort()).toEqual([4317, 4318, 8080]);
    const d = byKind("Deployment", "pbe")!;
    expect(d.spec.template.metadata.labels).toMatchObject(s.spec.selector);
    const h = byKind("Service", "pbe-headless")!;
    expect(h.spec.clusterIP).toBe("None");
  });

  it("grafana dashboard: a stable uid, the service and budget variables", () => {
    const dash = parse(readFileSync(join(deploy, "grafana/pbe-dashboard.json"), "utf8")) as Doc;
    expect(dash.uid).toBe("pbe-overview");
    const vars = dash.templating.list.map((v: Doc) => v.name);
    expect(vars).toEqual(expect.arrayContaining(["datasource", "service", "budget"]));
    const ids = dash.panels.map((p: Doc) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
