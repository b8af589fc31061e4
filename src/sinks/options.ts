/**
 * The NATS connection settings shared by the engine (`pbe serve`) and `pbe alerts`, and their
 * translation into the v3 client's options.
 */
import { readFileSync } from "node:fs";
import { credsAuthenticator, type NodeConnectionOptions } from "@nats-io/transport-node";
import { ConfigError } from "../errors/index.js";

/** How to reach and authenticate to NATS; the same fields as the engine's `nats*` settings. */
export interface NatsAuthSettings {
  /** Server URLs; empty or undefined = NATS disabled. */
  servers: readonly string[] | undefined;
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** Path of a `.creds` file (user JWT and NKey seed); read at every (re)connect, so a rotated file is picked up. */
  credsFile?: string | undefined;
  /** PEM CA bundle that verifies the server's certificate (implies TLS). */
  tlsCa?: string | undefined;
  /** PEM client certificate for mutual TLS, with `tlsKey`. */
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

/** The engine's configuration keys this module reads (a structural subset of `Config`). */
export interface NatsConfigLike {
  nats?: readonly string[] | undefined;
  natsUser?: string | undefined;
  natsPassword?: string | undefined;
  natsToken?: string | undefined;
  natsCreds?: string | undefined;
  natsTlsCa?: string | undefined;
  natsTlsCert?: string | undefined;
  natsTlsKey?: string | undefined;
}

/** The auth settings of an engine configuration. */
export function natsAuthFromConfig(config: NatsConfigLike): NatsAuthSettings {
  return {
    servers: config.nats,
    user: config.natsUser,
    password: config.natsPassword,
    token: config.natsToken,
    credsFile: config.natsCreds,
    tlsCa: config.natsTlsCa,
    tlsCert: config.natsTlsCert,
    tlsKey: config.natsTlsKey,
  };
}

/** Client tuning the connector sets; each has a default. */
export interface NatsClientTuning {
  /** Client name shown by the server's monitoring; default `pbe`. */
  name?: string;
  /** Handshake timeout of one connection attempt; default 5000. */
  connectTimeoutMs?: number;
  /** Wait between the client's reconnect attempts after a lost connection; default 1000. */
  reconnectTimeWaitMs?: number;
}

/**
 * The v3 client's connect options: servers (credentials in their URLs become the user/password
 * or token options, unless a setting gives them), user/password or token, a creds-file
 * authenticator, TLS from CA/cert/key files, `maxReconnectAttempts: -1` (never give up once
 * connected) and the name. Throws a ConfigError naming the setting when a file cannot be read or
 * settings contradict each other.
 */
export function natsConnectOptions(auth: NatsAuthSettings, tuning: NatsClientTuning = {}): NodeConnectionOptions {
  const { servers, credentials } = splitCredentials(auth.servers ?? []);
  if (servers.length === 0) throw new ConfigError("nats", "no NATS server URL given");
  if ((auth.user === undefined) !== (auth.password === undefined)) {
    throw new ConfigError(auth.user === undefined ? "natsUser" : "natsPassword", "natsUser and natsPassword go together");
  }
  if ((auth.tlsCert === undefined) !== (auth.tlsKey === undefined)) {
    throw new ConfigError(auth.tlsCert === undefined ? "natsTlsCert" : "natsTlsKey", "natsTlsCert and natsTlsKey go together");
  }
  const opts: NodeConnectionOptions = {
    servers,
    name: tuning.name ?? "pbe",
    maxReconnectAttempts: -1,
    reconnectTimeWait: tuning.reconnectTimeWaitMs ?? 1000,
    timeout: tuning.connectTimeoutMs ?? 5000,
  };
  if (auth.user !== undefined) {
    opts.user = auth.user;
    opts.pass = auth.password;
  }
  if (auth.token !== undefined) opts.token = auth.token;
  // Credentials in the URLs, unless given by setting (which wins): the v3 client ignores them.
  const explicit = auth.user !== undefined || auth.token !== undefined || auth.credsFile !== undefined;
  if (credentials && !explicit) {
    if (credentials.password !== undefined) {
      opts.user = credentials.user;
      opts.pass = credentials.password;
    } else {
      opts.token = credentials.user;
    }
  }
  if (auth.credsFile !== undefined) {
    const file = auth.credsFile;
    // Fail early and clearly on an unreadable file; later reads (at each reconnect) pick up rotations.
    readable(file, "natsCreds");
    opts.authenticator = credsAuthenticator(() => readFileSync(file));
  }
  if (auth.tlsCa !== undefined || auth.tlsCert !== undefined) {
    const tls: NonNullable<NodeConnectionOptions["tls"]> = {};
    if (auth.tlsCa !== undefined) tls.caFile = readable(auth.tlsCa, "natsTlsCa");
    if (auth.tlsCert !== undefined) tls.certFile = readable(auth.tlsCert, "natsTlsCert");
    if (auth.tlsKey !== undefined) tls.keyFile = readable(auth.tlsKey, "natsTlsKey");
    opts.tls = tls;
  }
  return opts;
}

/**
 * The server URLs without their credentials (`nats://user:pass@host` → `nats://host`), safe to
 * log, and the credentials they carried: `user:password`, or a lone `token@`. The NATS v3 client
 * ignores credentials in URLs, so they are passed as options. Several URLs must carry the same
 * credentials (or none).
 */
export function splitCredentials(urls: readonly string[]): { servers: string[]; credentials: { user: string; password?: string } | undefined } {
  let credentials: { user: string; password?: string } | undefined;
  let seen: string | undefined;
  const servers = urls.map((u) => {
    const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@(.*)$/i.exec(u);
    if (!m) return u;
    const [, scheme, userinfo, rest] = m;
    if (seen !== undefined && seen !== userinfo) {
      throw new ConfigError("nats", "the server URLs carry different credentials; give them once (natsUser and natsPassword, or natsToken)");
    }
    seen = userinfo;
    const colon = userinfo!.indexOf(":");
    const decode = (x: string) => {
      try {
        return decodeURIComponent(x);
      } catch {
        return x;
      }
    };
    credentials = colon < 0 ? { user: decode(userinfo!) } : { user: decode(userinfo!.slice(0, colon)), password: decode(userinfo!.slice(colon + 1)) };
    return `${scheme}${rest}`;
  });
  return { servers, credentials };
}

function readable(path: string, key: string): string {
  try {
    readFileSync(path);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return path;
}
