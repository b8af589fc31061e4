// Vitest global setup: make sure a NATS server with JetStream answers for the tests.
// Uses NATS_URL (default nats://127.0.0.1:4222) when something answers there; otherwise starts
// Debian's `nats-server` itself on a free port with JetStream in a temporary directory.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {} from "vitest";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
  }
}

let child: ChildProcess | undefined;
let dir: string | undefined;

function answers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("data", (chunk) => done(chunk.toString("latin1").startsWith("INFO")));
    socket.once("error", () => done(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.once("error", reject);
  });
}

export async function setup(project: TestProject): Promise<void> {
  const url = new URL((process.env.NATS_URL ?? "nats://127.0.0.1:4222").replace(/^nats:/, "http:"));
  const host = url.hostname;
  const port = Number(url.port || 4222);
  if (await answers(host, port)) {
    process.env.NATS_URL = `nats://${host}:${port}`;
    project.provide("natsUrl", process.env.NATS_URL);
    return;
  }
  const bin = process.env.NATS_SERVER_BIN ?? "nats-server";
  const freshPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), "pbe-nats-"));
  child = spawn(bin, ["-a", "127.0.0.1", "-p", String(freshPort), "-js", "-sd", dir], { stdio: "ignore" });
  child.once("error", (err) => { console.error(`cannot start ${bin}: ${err.message}`); });
  for (let i = 0; i < 100; i++) {
    if (await answers("127.0.0.1", freshPort, 200)) {
      process.env.NATS_URL = `nats://127.0.0.1:${freshPort}`;
      project.provide("natsUrl", process.env.NATS_URL);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no NATS server at ${host}:${port} and ${bin} did not start (install the Debian package nats-server)`);
}

export async function teardown(): Promise<void> {
  child?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
}
