import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlags } from "../../../src/cli/common.js";
import { reportCommand, reportTarget } from "../../../src/cli/report.js";

const parse = (argv: string[]) => reportTarget(parseFlags("report", argv, { values: ["service", "format", "output"], short: { o: "output" } }));

describe("reportTarget", () => {
  it("defaults to report.html; the format follows the -o extension unless --format says otherwise", () => {
    expect(parse([])).toEqual({ format: "html", output: "report.html" });
    expect(parse(["--service", "shop", "-o", "out/r.md"])).toEqual({ service: "shop", format: "md", output: "out/r.md" });
    expect(parse(["--format=json"])).toEqual({ format: "json", output: "report.json" });
    expect(parse(["-o", "r.htm"]).format).toBe("html");
    expect(parse(["-o", "r.txt", "--format", "md"])).toEqual({ format: "md", output: "r.txt" });
  });

  it("refuses a bad format with one clear message", () => {
    expect(() => parse(["--format", "pdf"])).toThrow(/--format must be one of html, md, json; got "pdf"/);
  });
});

describe("reportCommand", () => {
  let server: Server;
  let url: string;
  const seen: Array<{ url: string; auth: string | undefined }> = [];
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pbe-report-cli-"));
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? "", auth: req.headers.authorization });
      const u = new URL(req.url ?? "/", "http://x");
      if (u.searchParams.get("service") === "nope") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: 'unknown service "nope"' } }));
        return;
      }
      if (u.searchParams.get("format") === "json") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ schema: "pbe.report.v1", services: [] }));
        return;
      }
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><p>${u.searchParams.get("format")}</p>`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const io = (env: NodeJS.ProcessEnv = {}) => {
    const out = new PassThrough();
    const err = new PassThrough();
    let o = "";
    let e = "";
    out.on("data", (d) => (o += d));
    err.on("data", (d) => (e += d));
    return { io: { stdout: out, stderr: err, env }, out: () => o, err: () => e };
  };

  it("fetches the report with the token and writes the file, saying where", async () => {
    const t = io();
    const file = join(dir, "r.md");
    expect(await reportCommand(["--engine", url, "--service", "a b", "-o", file, "--token", "tok"], t.io)).toBe(0);
    expect(t.err()).toBe("");
    expect(readFileSync(file, "utf8")).toBe("<!doctype html><p>md</p>");
    expect(seen.at(-1)).toEqual({ url: "/api/v1/report?service=a+b&format=md", auth: "Bearer tok" });
    expect(t.out()).toBe(`wrote the MD report to ${file} (24B) from ${url} for service "a b"\n`);
  });

  it("the engine and token from the environment; --json says what was written", async () => {
    const t = io({ PBE_ENGINE_URL: url, PBE_API_TOKEN: "env-tok" });
    const file = join(dir, "r.json");
    expect(await reportCommand(["-o", file, "--json"], t.io)).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ schema: "pbe.report.v1", services: [] });
    expect(seen.at(-1)).toEqual({ url: "/api/v1/report?format=json", auth: "Bearer env-tok" });
    expect(JSON.parse(t.out())).toEqual({ file, format: "json", bytes: readFileSync(file).length, engine: url });
  });

  it("exit 4 with the engine's message when it refuses, and when nothing answers", async () => {
    const t = io();
    expect(await reportCommand(["--engine", url, "--service", "nope", "-o", join(dir, "x.html")], t.io)).toBe(4);
    expect(t.err()).toContain('pbe report: unknown service "nope"');
    // A port nothing listens on (just freed).
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const t2 = io();
    expect(await reportCommand(["--engine", `http://127.0.0.1:${port}`, "-o", join(dir, "y.html")], t2.io)).toBe(4);
    expect(t2.err()).toContain(`cannot reach the engine at http://127.0.0.1:${port}`);
  });

  it("exit 2 on bad flags; --help prints the usage", async () => {
    const t = io();
    expect(await reportCommand(["--format", "pdf"], t.io)).toBe(2);
    expect(t.err()).toContain(`pbe report: --format must be one of html, md, json; got "pdf"`);
    const u = io();
    expect(await reportCommand(["--nope"], u.io)).toBe(2);
    const h = io();
    expect(await reportCommand(["--help"], h.io)).toBe(0);
    expect(h.out()).toContain("--service S");
    expect(h.out()).toContain("(default 60s)");
  });

  it("-o - writes to stdout", async () => {
    const t = io();
    expect(await reportCommand(["--engine", url, "-o", "-", "--format", "html"], t.io)).toBe(0);
    expect(t.out()).toBe("<!doctype html><p>html</p>");
  });
});
