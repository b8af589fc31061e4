#!/usr/bin/env -S node --initial-old-space-size=256
import { run } from "./index.js";

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pbe: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
