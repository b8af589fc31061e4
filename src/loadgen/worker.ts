/**
 * Entry of a forked load-generator worker (dist/loadgen/worker.js). Protocol on the IPC channel:
 *
 *   parent → worker: {type:"init", options}  {type:"go"}  {type:"mark"}  {type:"stop", mode}
 *   worker → parent: {type:"ready", pool}  {type:"progress", total}  {type:"finished"}
 *                    {type:"report", total, window}  {type:"error", message}
 *
 * The worker exits after its report, and at once if the parent goes away (IPC disconnect), so
 * a killed parent never leaves a load generator running.
 */
import { TrafficPool } from "./pool.js";
import { Sender, type SenderOptions } from "./sender.js";

export interface WorkerInit extends SenderOptions {
  poolTraces: number;
  seed: number;
}

export type ToWorker =
  | { type: "init"; options: WorkerInit }
  | { type: "go" }
  | { type: "mark" }
  | { type: "stop"; mode: "now" | "cycle" };

let sender: Sender | undefined;
let progressTimer: NodeJS.Timeout | undefined;

function send(msg: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function onMessage(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "init": {
      const o = msg.options;
      const pool = new TrafficPool({ traces: o.poolTraces, seed: o.seed + o.worker * 1000 });
      sender = new Sender(pool, o);
      sender.onFinished = () => void send({ type: "finished" });
      await sender.ready();
      await send({ type: "ready", pool: pool.stats() });
      return;
    }
    case "go":
      sender!.start();
      progressTimer = setInterval(() => void send({ type: "progress", total: sender!.counters().total }), 1000);
      return;
    case "mark":
      sender?.mark();
      return;
    case "stop": {
      if (!sender) process.exit(0);
      await sender.stop(msg.mode);
      if (progressTimer) clearInterval(progressTimer);
      const { total, window } = sender.counters();
      sender.close();
      await send({ type: "report", total, window });
      process.exit(0);
    }
  }
}

if (process.send) {
  process.on("message", (msg: ToWorker) => {
    onMessage(msg).catch(async (err: unknown) => {
      await send({ type: "error", message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    });
  });
  process.on("disconnect", () => process.exit(0));
}
