// Shared by the config tests: load with an in-memory file system and capture the error message.
import { expect } from "vitest";
import { ConfigError } from "../../../src/errors/index.js";
import { loadConfig, type LoadedConfig } from "../../../src/config/index.js";

export const CWD = "/srv/pbe";

/** Loads with files given by absolute path; a missing file fails like the real file system. */
export function load(
  argv: string[] = [],
  env: Record<string, string | undefined> = {},
  files: Record<string, string> = {},
): LoadedConfig {
  return loadConfig({
    argv,
    env,
    cwd: CWD,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
      return text;
    },
  });
}

/** Loads `pbe.yaml` (in CWD) with the given content, plus flags and env. */
export function loadFile(yaml: string, argv: string[] = [], env: Record<string, string> = {}): LoadedConfig {
  return load(["--config", "pbe.yaml", ...argv], env, { [`${CWD}/pbe.yaml`]: yaml });
}

/** The ConfigError a load throws. */
export function failure(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError, but loading succeeded");
}

export function message(fn: () => unknown): string {
  return failure(fn).message;
}
