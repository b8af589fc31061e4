import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseReportArgs, reportCommand } from "../../../src/cli/report.js";

describe("parseReportArgs", () => {
  it("defaults: html to report.html from the local engine", () => {
    expect(parseReportArgs([])).toEqual({ format: "html", output: "report.html", engine: "http://127.0.0.1:8080", help: false });
  });

  it("flags, = forms, the format from the -o extension, env fallbacks", () => {
    expect(parseReportArgs(["--service", "shop", "-o", "out/r.md", "--engine=http://e:9/", "--token", "t"])).toEqual({ service: "shop", format: "md", output: "out/r.md", engine: "http://e:9", token: "t", help: false });
    expect(parseReportArgs(["--format", "json"], { PBE_ENGINE_URL: "https://x", PBE_API_TOKEN: "env-token" })).toMatchObject({ format: "json", output: "report.json", engine: "https://x", token: "env-token" });
    expect(parseReportArgs(["-o", "r.htm"]).format).toBe("html");
    expect(parseReportArgs(["--help"]).help).toBe(true);
  });

  it("refuses bad flags with one clear message", () => {
    expect(() => parseReportArgs(["--format", "pdf"])).toThrow(/--format must be one of html, md, json; got "pdf"/);
    expect(() => parseReportArgs(["--service"])).toThrow(/--service needs a value/);
    expect(() => parseReportArgs(["--nope"])).toThrow(/unknown flag --nope/);
    expect(() => parseReportArgs(["extra"])).toThrow(/unexpected argument "extra"/);
    expect(() => parseReportArgs(["--engine", "ftp://x"])).toThrow(/--engine must be an http\(s\) URL/);
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
      res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><p>${u.searchParams.get("format")}</p>`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const io = () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let o = "";
    let e = "";
    out.on("data", (d) => (o += d));
    err.on("data", (d) => (e += d));
    return { io: { stdout: out, stderr: err, env: {} }, out: () => o, err: () => e };
  };

  it("fetches the report with the token and writes the file, saying where", async () => {
    const t = io();
    const file = join(dir, "r.md");
    expect(await reportCommand(["--engine", url, "--service", "a b", "-o", file, "--token", "tok"], t.io)).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("<!doctype html><p>md</p>");
    expect(seen.at(-1)).toEqual({ url: "/api/v1/report?format=md&service=a+b", auth: "Bearer tok" });
    expect(t.out()).toMatch(new RegExp(`^wrote the MD report to ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(24B\\) from ${url}`));
  });

  it("exit 1 with the engine's message when it refuses, and when nothing answers", async () => {
    const t = io();
    expect(await reportCommand(["--engine", url, "--service", "nope", "-o", join(dir, "x.html")], t.io)).toBe(1);
    expect(t.err()).toContain('pbe report: the engine refused: HTTP 404: unknown service "nope"');
    // A port nothing listens on (just freed).
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const t2 = io();
    expect(await reportCommand(["--engine", `http://127.0.0.1:${port}`, "-o", join(dir, "y.html")], t2.io)).toBe(1);
    expect(t2.err()).toContain(`cannot reach the engine at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it("exit 2 on bad flags; --help prints the usage", async () => {
    const t = io();
    expect(await reportCommand(["--format", "pdf"], t.io)).toBe(2);
    expect(t.err()).toContain("Usage: pbe report");
    const h = io();
    expect(await reportCommand(["--help"], h.io)).toBe(0);
    expect(h.out()).toContain("--service S");
  });

  it("-o - writes to stdout", async () => {
    const t = io();
    expect(await reportCommand(["--engine", url, "-o", "-", "--format", "json"], t.io)).toBe(0);
    expect(t.out()).toBe("<!doctype html><p>json</p>");
  });
});
