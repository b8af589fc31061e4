/**
 * The processes and temporary directories a bench run creates, and their guaranteed cleanup:
 * every child is registered here and killed on normal completion, on errors, on Ctrl-C (the
 * CLI calls {@link killAll}) and, as a last resort, synchronously on process exit.
 *
 * Engine children are started with an IPC channel and a preloaded hook (child-hook.ts) that
 * exits when the channel closes, so even a SIGKILLed bench leaves no engine behind.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { ENGINE_NODE_FLAGS } from "../cli/node-flags.js";

const BIN = fileURLToPath(new URL("../cli/bin.js", import.meta.url));
const HOOK = pathToFileURL(fileURLToPath(new URL("./child-hook.js", import.meta.url))).href;
const NULL_SERVER = fileURLToPath(new URL("./null-server.js", import.meta.url));

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHook = false;

function register(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const c of children) c.kill("SIGKILL");
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
  }
}

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}

export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}

/** Terminates a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export async function terminate(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills every registered child and removes every temporary directory. */
export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => terminate(c, 3000)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

/** The last lines a child wrote, for error messages. */
class Tail {
  private lines: string[] = [];
  push(chunk: string): void {
    this.lines.push(...chunk.split("\n").filter((l) => l.trim() !== ""));
    if (this.lines.length > 20) this.lines = this.lines.slice(-20);
  }
  toString(): string {
    return this.lines.join("\n");
  }
}

export interface EngineProcess {
  child: ChildProcess;
  pid: number;
  ports: { grpc: number; http: number; api: number };
  dataDir: string;
  /** GET /api/v1/stats. */
  stats(): Promise<EngineStats>;
  /** Runs a full garbage collection in the engine (it was started with --expose-gc). */
  gc(): Promise<void>;
  /** SIGTERM (the engine drains and exits; a CPU profile is written then), data dir removed. */
  stop(): Promise<void>;
}

/** The parts of the engine's `/api/v1/stats` the bench reads. */
export interface EngineStats {
  engine: { spansReceived: number; spansRejected: number; tracesAttributed: number; attributionLagMsSum: number; attributionLagMsMax: number };
  assembler: { bufferedSpans: number; bufferedTraces: number; spansAccepted: number; spansLate: number; requestsRefused: number; tracesCompleted: number; tracesEvicted: number; tracesMaxAge: number };
  ingest?: { requestsRefused: number; requestsMalformed: number; metricPointsReceived: number };
  process: { cpuUserUs: number; cpuSystemUs: number; rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; arrayBuffersBytes: number; uptimeSec: number };
}

export interface EngineStartOptions {
  /** Extra `pbe serve` flags, e.g. ["--decision-wait", "10m"]. */
  flags: string[];
  /** Directory for `node --cpu-prof` output; unset = not profiled. */
  cpuProfDir?: string;
  signal?: AbortSignal;
}

/** Starts `pbe serve` (the built dist code) on free ports and waits until it answers. */
export async function startEngine(opts: EngineStartOptions): Promise<EngineProcess> {
  const dataDir = tempDir("pbe-bench-");
  const nodeArgs = [...ENGINE_NODE_FLAGS, "--expose-gc", "--import", HOOK];
  if (opts.cpuProfDir) nodeArgs.push("--cpu-prof", "--cpu-prof-dir", opts.cpuProfDir);
  const args = [...nodeArgs, BIN, "serve", "--host", "127.0.0.1", "--grpc-port", "0", "--http-port", "0", "--api-port", "0", "--data-dir", dataDir, ...opts.flags];
  // The engine runs on its defaults plus the bench's flags: no PBE_* setting (an API token, NATS)
  // leaks in from the caller's environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PBE_") && k !== "NATS_URL"));
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env });
  register(child);
  const tail = new Tail();
  child.stderr!.setEncoding("utf8").on("data", (s: string) => tail.push(s));
  const ports = await new Promise<EngineProcess["ports"]>((resolve, reject) => {
    let buf = "";
    const onData = (s: string) => {
      tail.push(s);
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const o = JSON.parse(line) as { msg?: string; grpc?: number; http?: number; api?: number };
          if (o.msg === "listening" && o.grpc && o.http && o.api) {
            child.stdout!.off("data", onData);
            // Keep draining stdout so the engine never blocks on a full pipe.
            child.stdout!.on("data", (t: string) => tail.push(t));
            resolve({ grpc: o.grpc, http: o.http, api: o.api });
            return;
          }
        } catch {
          // Not a JSON line: keep it for the error message only.
        }
      }
    };
    child.stdout!.setEncoding("utf8").on("data", onData);
    child.once("exit", (code, sig) => reject(new Error(`pbe serve exited (${code ?? sig}) before listening:\n${tail}`)));
    opts.signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
    setTimeout(() => reject(new Error(`pbe serve did not log "listening" within 60 s:\n${tail}`)), 60_000).unref();
  }).catch(async (err: unknown) => {
    await terminate(child, 2000);
    removeDir(dataDir);
    throw err;
  });

  const base = `http://127.0.0.1:${ports.api}`;
  const stats = async (): Promise<EngineStats> => {
    const res = await fetch(`${base}/api/v1/stats`);
    if (!res.ok) throw new Error(`GET /api/v1/stats: HTTP ${res.status}`);
    return (await res.json()) as EngineStats;
  };
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch (err) {
      if (i > 100) throw err;
    }
    await sleep(100);
  }
  return {
    child,
    pid: child.pid!,
    ports,
    dataDir,
    stats,
    gc: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        const onMsg = (m: unknown) => {
          if ((m as { type?: string }).type === "gc") {
            clearTimeout(timer);
            child.off("message", onMsg);
            resolve();
          }
        };
        child.on("message", onMsg);
        child.kill("SIGUSR2");
      }),
    stop: async () => {
      await terminate(child);
      removeDir(dataDir);
    },
  };
}

export interface NullServerProcess {
  child: ChildProcess;
  pid: number;
  ports: { grpc: number; http: number };
  stop(): Promise<void>;
}

/** Starts the raw-bytes ceiling server (null-server.ts) and waits for its ports. */
export async function startNullServer(): Promise<NullServerProcess> {
  const child = fork(NULL_SERVER, [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  register(child);
  const ports = await new Promise<{ grpc: number; http: number }>((resolve, reject) => {
    child.once("message", (m: { type: string; grpc: number; http: number }) => {
      if (m.type === "listening") resolve({ grpc: m.grpc, http: m.http });
    });
    child.once("exit", (code) => reject(new Error(`the null server exited (${code}) before listening`)));
  });
  return { child, pid: child.pid!, ports, stop: () => terminate(child, 5000) };
}
