/**
 * Private nats-server processes for tests (Debian's `nats-server`, JetStream on, own port and
 * store directory), and the small process and polling helpers they need. Used by the integration
 * tests and the reliability suite.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NATS_SERVER = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      const port = typeof a === "object" && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
    srv.once("error", reject);
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls `cond` until true; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition", intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      last = err; // not yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last === undefined ? "" : ` (last error: ${String(last)})`}`);
    await sleep(intervalMs);
  }
}

// ---- nats-server ----------------------------------------------------------------------

export interface NatsOptions {
  /** Extra arguments (TLS, auth). */
  args?: string[];
  /** URL scheme and credentials the clients use (default nats://127.0.0.1:PORT). */
  url?: (port: number) => string;
}

/** A private nats-server with JetStream in its own store directory, on a fixed free port (it keeps the port across restarts). */
export class NatsServer {
  child: ChildProcess | undefined;
  readonly dir = tempDir("pbe-rel-nats-");
  private constructor(
    readonly port: number,
    private readonly opts: NatsOptions,
  ) {}

  static async create(opts: NatsOptions = {}): Promise<NatsServer> {
    return new NatsServer(await freePort(), opts);
  }

  get url(): string {
    return this.opts.url ? this.opts.url(this.port) : `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.dir, ...(this.opts.args ?? [])], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    this.child = child;
    for (let i = 0; i < 150; i++) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}: ${err}`);
      if (await answers(this.port)) return;
      await sleep(100);
    }
    throw new Error(`nats-server did not answer on port ${this.port}: ${err}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = tcpConnect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      s.destroy();
      res(ok);
    };
    s.setTimeout(300, () => done(false));
    s.once("data", (c) => done(c.toString("latin1").startsWith("INFO")));
    s.once("error", () => done(false));
  });
}
