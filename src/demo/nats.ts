/** Whether a NATS server answers: a quick check before the demo decides to publish alerts to it. */
import { connect } from "node:net";

/** Host and port of the first URL of a NATS setting (`nats://h:4222,nats://h2:4222`, or a bare `h:p`). */
export function firstNatsAddress(urls: string): { host: string; port: number } | undefined {
  const first = urls.split(",")[0]?.trim();
  if (!first) return undefined;
  const withScheme = /^[a-z]+:\/\//i.test(first) ? first : `nats://${first}`;
  try {
    const u = new URL(withScheme.replace(/^[a-z]+:/i, "http:"));
    const defaultPort = /^wss?:/i.test(withScheme) ? (/^wss:/i.test(withScheme) ? 443 : 80) : 4222;
    return { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port ? Number(u.port) : defaultPort };
  } catch {
    return undefined;
  }
}

/**
 * Resolves true when a TCP connection to the first server opens and, for `nats://` and `tls://`
 * servers, the server greets with its `INFO` line, within `timeoutMs`.
 */
export function natsAnswers(urls: string, timeoutMs = 1500): Promise<boolean> {
  const addr = firstNatsAddress(urls);
  if (!addr) return Promise.resolve(false);
  const websocket = /^\s*wss?:\/\//i.test(urls);
  return new Promise((resolve) => {
    const socket = connect({ host: addr.host, port: addr.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => {
      if (websocket) done(true);
    });
    socket.once("data", (chunk: Buffer) => done(chunk.toString("latin1").startsWith("INFO")));
    socket.once("error", () => done(false));
  });
}
