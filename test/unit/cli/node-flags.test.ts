import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENGINE_NODE_FLAGS, hasEngineNodeFlags } from "../../../src/cli/node-flags.js";

const root = join(import.meta.dirname, "../../..");

describe("the engine's node flags", () => {
  it("are recognised on the command line or in NODE_OPTIONS, with dashes or underscores", () => {
    expect(hasEngineNodeFlags([], "")).toBe(false);
    expect(hasEngineNodeFlags(["--expose-gc"], "--max-old-space-size=1536")).toBe(false);
    expect(hasEngineNodeFlags(["--initial-old-space-size=256"], "")).toBe(true);
    expect(hasEngineNodeFlags([], "--max-old-space-size=1536 --initial-old-space-size=512")).toBe(true);
    expect(hasEngineNodeFlags(["--initial_old_space_size=64"], "")).toBe(true);
  });

  it("are the ones npm start, the pbe shebang and the Kubernetes manifest pass", () => {
    const flags = ENGINE_NODE_FLAGS.join(" ");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${flags} dist/cli/bin.js serve`);
    expect(readFileSync(join(root, "src/cli/bin.ts"), "utf8").split("\n")[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    expect(readFileSync(join(root, "deploy/k8s/deployment.yaml"), "utf8")).toContain(`value: --max-old-space-size=1536 ${flags}`);
  });
});
