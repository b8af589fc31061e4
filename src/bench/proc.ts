/** Facts about the machine and other processes, for the results file. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  loadAverage1m: number;
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? "unknown",
    cores: c.length,
    memoryBytes: totalmem(),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}

export function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return { commit, dirty: status.trim() !== "" };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

let clockTicks = 0;

function ticksPerSecond(): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU seconds (user + system) and resident bytes of another process, from /proc/<pid>/stat
 * (Linux; undefined elsewhere). Resolution: one clock tick (10 ms).
 */
export function procUsage(pid: number): { cpuSec: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    const rssPages = Number(f[21]);
    return { cpuSec: (utime + stime) / ticksPerSecond(), rssBytes: rssPages * 4096 };
  } catch {
    return undefined;
  }
}
