/**
 * The flat list of settings, derived from the schema: one entry per value a user can set, with
 * its file key, flag, environment variables, default (as written), description and group.
 * A table such as `prices` contributes one entry per key (`prices.coreHour`, flag
 * `--price-core-hour`). The flag parser, the loader, `--help` and the docs all read this list.
 */
import type { z } from "zod";
import { GROUPS, settingMeta, type Group, type Kind } from "./fields.js";
import { settingsSchema } from "./schema.js";

export interface Setting {
  /** Path in the config file, e.g. `["grpcPort"]` or `["prices", "coreHour"]`. */
  path: string[];
  /** The path dotted: `grpcPort`, `prices.coreHour`. */
  id: string;
  kind: Kind;
  group: Group;
  /** Flag name without `--`, or undefined for a file-only setting. */
  flag: string | undefined;
  /** Environment variables, first set one wins. */
  env: string[];
  inFile: boolean;
  secret: boolean;
  /** The default as a user would write it; undefined = unset. */
  default: unknown;
  description: string;
  placeholder: string | undefined;
}

type AnySchema = z.core.$ZodType;

function defOf(s: AnySchema): { type: string; innerType?: AnySchema; defaultValue?: unknown; shape?: Record<string, AnySchema> } {
  return s._zod.def as never;
}

/** The default as written (`prefault`), or undefined for an optional setting. */
function defaultOf(s: AnySchema): unknown {
  const def = defOf(s);
  return def.type === "prefault" ? def.defaultValue : undefined;
}

/** The object inside a table setting (`prices`): unwraps prefault/optional. */
function tableShape(s: AnySchema): Record<string, AnySchema> {
  let cur = s;
  for (let def = defOf(cur); def.type !== "object"; def = defOf(cur)) {
    if (!def.innerType) throw new Error(`not a table: ${def.type}`);
    cur = def.innerType;
  }
  return defOf(cur).shape!;
}

export function kebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

function envOf(flag: string): string {
  return `PBE_${flag.replace(/-/g, "_").toUpperCase()}`;
}

function describeOf(s: AnySchema): string {
  const d = (s as { description?: string }).description;
  if (!d) throw new Error("every setting needs a .describe() text");
  return d;
}

function entry(path: string[], schema: AnySchema, group: Group): Setting {
  const meta = settingMeta.get(schema) ?? {};
  const key = path.join(".");
  const flag = meta.flag === null ? undefined : (meta.flag ?? kebab(path[path.length - 1]!));
  const env = meta.env === null ? [] : meta.env ? [...meta.env] : flag ? [envOf(flag)] : [];
  return {
    path,
    id: key,
    kind: meta.kind ?? "text",
    group,
    flag,
    env,
    inFile: meta.inFile ?? true,
    secret: meta.secret ?? false,
    default: defaultOf(schema),
    description: describeOf(schema),
    placeholder: meta.placeholder,
  };
}

function collect(): Setting[] {
  const out: Setting[] = [];
  for (const [key, schema] of Object.entries(settingsSchema.shape) as [string, AnySchema][]) {
    const meta = settingMeta.get(schema);
    if (!meta?.group) throw new Error(`setting ${key} has no group`);
    if (meta.kind === "table") {
      for (const [sub, subSchema] of Object.entries(tableShape(schema))) out.push(entry([key, sub], subSchema, meta.group));
    } else {
      out.push(entry([key], schema, meta.group));
    }
  }
  // Display order: by group, then as declared.
  const order = Object.keys(GROUPS);
  return out.sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
}

/** Every setting, grouped in display order. */
export const SETTINGS: readonly Setting[] = collect();

/** Top-level file keys (a table counts once). */
export const FILE_KEYS: readonly string[] = Object.keys(settingsSchema.shape);

export const BY_FLAG: ReadonlyMap<string, Setting> = new Map(
  SETTINGS.filter((s) => s.flag !== undefined).map((s) => [s.flag!, s]),
);

export const BY_ID: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.id, s]));

/** The keys allowed in the object at `path` of the file: for suggestions on unknown keys. */
export function knownKeysAt(path: readonly (string | number)[]): string[] {
  let cur: AnySchema = settingsSchema;
  for (const seg of path) {
    for (let def = defOf(cur); ; def = defOf(cur)) {
      if (def.type === "object" && typeof seg === "string" && def.shape?.[seg]) {
        cur = def.shape[seg]!;
        break;
      }
      if (def.type === "array" && typeof seg === "number") {
        cur = (def as { element?: AnySchema }).element!;
        break;
      }
      if (def.innerType) cur = def.innerType;
      else if (def.type === "pipe") cur = (def as { in?: AnySchema }).in!;
      else return [];
    }
  }
  for (let def = defOf(cur); ; def = defOf(cur)) {
    if (def.type === "object") return Object.keys(def.shape ?? {});
    if (def.innerType) cur = def.innerType;
    else if (def.type === "pipe") cur = (def as { in?: AnySchema }).in!;
    else return [];
  }
}
