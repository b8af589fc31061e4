/**
 * Starts the real engine (`node dist/cli/bin.js serve`) as a child process on port 0 and reads
 * the ports from its `listening` log line. `npm test` builds dist/ first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ENGINE_NODE_FLAGS } from "../../src/cli/node-flags.js";

export const BIN = join(import.meta.dirname, "../../dist/cli/bin.js");

export interface EngineProcess {
  child: ChildProcess;
  ports: { grpc: number; http: number; api: number };
  api: string;
  dataDir: string;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Everything the process wrote so far, stdout then stderr (raw text). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGTERM and resolves with the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Sends SIGKILL and resolves when the process is gone. */
  kill(): Promise<void>;
  /** GET a JSON document from the API. */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
}

export interface StartEngineOptions {
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
  /** Keep the data dir after stop (for restart tests). */
  keepData?: boolean;
}

export async function startEngineProcess(opts: StartEngineOptions = {}): Promise<EngineProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "pbe-e2e-"));
  const child = spawn(
    process.execPath,
    [...ENGINE_NODE_FLAGS, BIN, "serve", "--grpc-port", "0", "--http-port", "0", "--api-port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, ...(opts.args ?? [])],
    { env: { ...process.env, NATS_URL: "", PBE_NATS: "", ...opts.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let stdout = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  const exitedWith = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const exited = exitedWith.then((e) => e.code);
  const ports = await new Promise<{ grpc: number; http: number; api: number }>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        logs.push(rec);
        if (rec.msg === "listening") resolve({ grpc: Number(rec.grpc), http: Number(rec.http), api: Number(rec.api) });
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) => reject(new Error(`engine exited with ${code} before listening: ${stderr}`)));
    setTimeout(() => reject(new Error(`engine did not start within 20 s: ${stderr}`)), 20_000).unref();
  });
  const api = `http://127.0.0.1:${ports.api}`;
  const cleanup = () => {
    if (!opts.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    child,
    ports,
    api,
    dataDir,
    logs,
    output: () => stdout + stderr,
    exited: exitedWith,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      cleanup();
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    async get(path, headers = {}) {
      const res = await fetch(api + path, { headers });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body };
    },
  };
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
