/**
 * A `google.rpc.Status` with a `google.rpc.RetryInfo` detail, as protobuf bytes: what an OTLP
 * server returns (gRPC `grpc-status-details-bin`, or an OTLP/HTTP error body) so that a
 * RESOURCE_EXHAUSTED / 429 is retried after the given delay (OTLP specification, "Throttling").
 * Hand-encoded: four tiny messages, not worth generated code.
 */
export function encodeStatus(code: number, message: string, retryAfterSec?: number): Buffer {
  const parts: Buffer[] = [];
  if (code !== 0) parts.push(varintField(1, code));
  if (message) parts.push(bytesField(2, Buffer.from(message, "utf8")));
  if (retryAfterSec !== undefined) {
    const duration = varintField(1, Math.max(0, Math.floor(retryAfterSec)));
    const retryInfo = bytesField(1, duration);
    const any = Buffer.concat([bytesField(1, Buffer.from("type.googleapis.com/google.rpc.RetryInfo")), bytesField(2, retryInfo)]);
    parts.push(bytesField(3, any));
  }
  return Buffer.concat(parts);
}

/** The OTLP/HTTP JSON form of a Status (`{"code":…,"message":…}`, details as google.rpc JSON). */
export function statusJson(code: number, message: string, retryAfterSec?: number): Record<string, unknown> {
  return {
    code,
    message,
    ...(retryAfterSec === undefined ? {} : { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${Math.floor(retryAfterSec)}s` }] }),
  };
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 127) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function varintField(field: number, n: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(n)]);
}

function bytesField(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

/** gRPC status codes used by the receivers. */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
