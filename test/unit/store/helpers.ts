// Temporary data directories and stores for the store tests, closed and removed after each test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach } from "vitest";
import { Store, type StoreOpenOptions } from "../../../src/store/index.js";

export interface TempStores {
  /** A fresh empty directory under the OS temp dir. */
  dir(): string;
  /** Opens a store (tracked: closed after the test). */
  open(dir: string, opts?: StoreOpenOptions): Store;
  /** A raw better-sqlite3 connection to a file (tracked: closed after the test). */
  raw(path: string, opts?: Database.Options): Database.Database;
}

/** Call at the top of a describe block (or file): registers the afterEach clean-up. */
export function useTempStores(): TempStores {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const raws: Database.Database[] = [];
  afterEach(() => {
    for (const r of raws.splice(0)) if (r.open) r.close();
    for (const s of stores.splice(0)) s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    dir() {
      const d = mkdtempSync(join(tmpdir(), "pbe-store-"));
      dirs.push(d);
      return d;
    },
    open(dir, opts) {
      const s = Store.open(dir, opts);
      stores.push(s);
      return s;
    },
    raw(path, opts) {
      const r = new Database(path, opts);
      raws.push(r);
      return r;
    },
  };
}

/** Runs `fn` and returns what it threw (fails the test when it did not throw). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to throw");
}
