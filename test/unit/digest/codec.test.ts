// The binary format (version 1): layout, round trips, and rejection of malformed bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../../../src/errors/index.js";
import { FORMAT_VERSION, TDigest } from "../../../src/digest/index.js";
import { generate, rng } from "./helpers.js";

function digestOf(values: ArrayLike<number>, compression?: number): TDigest {
  const d = new TDigest(compression);
  d.addAll(values);
  return d;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Bytes of a digest of [1, 2, 3]: 44-byte header, rejected 0 (1 byte), n = 3 (1 byte), three
 * means (24 bytes), three varint weights of 1 (3 bytes). */
function small(): Uint8Array {
  return digestOf([1, 2, 3]).toBytes();
}

function edit(bytes: Uint8Array, f: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  f(new DataView(b.buffer), b);
  return b;
}

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}

function rejects(bytes: Uint8Array, why: RegExp): void {
  let caught: unknown;
  try {
    TDigest.fromBytes(bytes);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DecodeError);
  expect((caught as DecodeError).code).toBe("decode_failed");
  expect((caught as Error).message).toMatch(why);
}

function digestsToRoundTrip(): [string, TDigest][] {
  const weighted = new TDigest(200);
  const r = rng(5);
  for (let i = 0; i < 5000; i++) weighted.add(r() * 100, 0.25 + r());
  const withRejects = digestOf([3, NaN, 1, Infinity]);
  const overflow = digestOf([1.7e308, 1.7e308, -5]);
  const merged = TDigest.mergeAll([digestOf(generate("pareto", 20_000, 1)), digestOf(generate("bimodal", 30_000, 2), 100)]);
  return [
    ["empty", new TDigest()],
    ["one value", digestOf([7])],
    ["200 values", digestOf(generate("uniform", 200, 3))],
    ["1M lognormal values", digestOf(generate("lognormal", 1_000_000, 4))],
    ["fractional weights", weighted],
    ["rejected points", withRejects],
    ["overflowed sum", overflow],
    ["a merge", merged],
    ["compression 10", digestOf(generate("exponential", 10_000, 6), 10)],
  ];
}

describe("layout", () => {
  it("writes the documented header, then means as float64 and weights as varints", () => {
    const d = digestOf([1, 2, 3, NaN]);
    const b = d.toBytes();
    const v = new DataView(b.buffer);
    expect([b[0], b[1], b[2], b[3]]).toEqual([0x54, 0x44, FORMAT_VERSION, 0]);
    expect(FORMAT_VERSION).toBe(1);
    expect(v.getFloat64(4, true)).toBe(d.compression);
    expect(v.getFloat64(12, true)).toBe(3);
    expect(v.getFloat64(20, true)).toBe(1);
    expect(v.getFloat64(28, true)).toBe(3);
    expect(v.getFloat64(36, true)).toBe(6);
    expect(b[44]).toBe(1); // rejected
    expect(b[45]).toBe(3); // centroids
    expect([v.getFloat64(46, true), v.getFloat64(54, true), v.getFloat64(62, true)]).toEqual([1, 2, 3]);
    expect(Array.from(b.subarray(70))).toEqual([1, 1, 1]);
    expect(b.length).toBe(73);
  });

  it("writes NaN min and max for an empty digest", () => {
    const b = new TDigest().toBytes();
    const v = new DataView(b.buffer);
    expect(b.length).toBe(46);
    expect(v.getFloat64(20, true)).toBeNaN();
    expect(v.getFloat64(28, true)).toBeNaN();
  });

  it("stores fractional weights as float64 (flag bit 0)", () => {
    const d = new TDigest();
    d.add(1, 0.5);
    d.add(2, 1.5);
    const b = d.toBytes();
    expect(b[3]).toBe(1);
    const v = new DataView(b.buffer);
    expect([v.getFloat64(62, true), v.getFloat64(70, true)]).toEqual([0.5, 1.5]);
    expect(b.length).toBe(78);
  });

  it("is compact: about 10 bytes per centroid for 1M values", () => {
    const d = digestOf(generate("lognormal", 1_000_000, 8));
    const b = d.toBytes();
    expect(b.length).toBeLessThanOrEqual(48 + 11 * d.centroidCount);
  });
});

describe("round trip", () => {
  it.each(digestsToRoundTrip())("%s: byte-identical and value-identical", (_name, d) => {
    const bytes = d.toBytes();
    const back = TDigest.fromBytes(bytes);
    expect(same(back.toBytes(), bytes)).toBe(true);
    for (const k of ["compression", "count", "sum", "mean", "min", "max", "rejected", "centroidCount", "isEmpty"] as const) expect(back[k]).toStrictEqual(d[k]);
    for (let i = 0; i <= 1000; i++) expect(back.quantile(i / 1000)).toStrictEqual(d.quantile(i / 1000));
    if (!d.isEmpty) for (let i = 0; i <= 100; i++) {
      const x = d.quantile(i / 100);
      expect(back.cdf(x)).toStrictEqual(d.cdf(x));
    }
    const b64 = d.toBase64();
    expect(b64).toBe(Buffer.from(bytes).toString("base64"));
    expect(same(TDigest.fromBase64(b64).toBytes(), bytes)).toBe(true);
  });

  it("reads bytes that sit at an offset in a larger buffer", () => {
    const bytes = small();
    const host = new Uint8Array(bytes.length + 7);
    host.set(bytes, 3);
    expect(same(TDigest.fromBytes(host.subarray(3, 3 + bytes.length)).toBytes(), bytes)).toBe(true);
    expect(same(TDigest.fromBytes(Buffer.from(bytes)).toBytes(), bytes)).toBe(true);
  });
});

describe("malformed bytes are rejected with a DecodeError that says why", () => {
  const le = (x: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, true);
    return b;
  };

  it.each<[string, () => Uint8Array, RegExp]>([
    ["too short", () => new Uint8Array(10), /truncated header: 10 bytes, need at least 46/],
    ["bad magic", () => edit(small(), (_v, b) => (b[0] = 0x00)), /bad magic 0x0044/],
    ["a newer version", () => edit(small(), (_v, b) => (b[2] = 2)), /unsupported version 2/],
    ["unknown flags", () => edit(small(), (_v, b) => (b[3] = 0x02)), /unknown flags 0x02/],
    ["compression below the range", () => edit(small(), (v) => v.setFloat64(4, 5, true)), /compression 5 outside \[10, 100000\]/],
    ["NaN compression", () => edit(small(), (v) => v.setFloat64(4, NaN, true)), /compression NaN outside/],
    ["negative count", () => edit(small(), (v) => v.setFloat64(12, -1, true)), /count -1 is not a finite number >= 0/],
    ["infinite count", () => edit(small(), (v) => v.setFloat64(12, Infinity, true)), /count Infinity/],
    ["min above max", () => edit(small(), (v) => v.setFloat64(20, 5, true)), /min 5 and max 3 are not finite with min <= max/],
    ["non-finite max", () => edit(small(), (v) => v.setFloat64(28, Infinity, true)), /max Infinity/],
    ["truncated centroids", () => small().slice(0, 60), /truncated centroids: 14 bytes left for 3 centroids/],
    ["a truncated last weight", () => edit(digestOf([1, 2, 300]).toBytes(), (_v, b) => (b[b.length - 1] = 0x80)), /truncated varint in weight of centroid 2/],
    ["trailing bytes", () => concat(small(), [0]), /1 trailing bytes after 3 centroids/],
    ["means out of order", () => edit(small(), (v) => [v.setFloat64(54, 1.5, true), v.setFloat64(62, 1.25, true)]), /centroid 2 mean 1.25 is below the previous mean 1.5/],
    ["a mean outside [min, max]", () => edit(small(), (v) => v.setFloat64(46, 0.5, true)), /centroid 0 mean 0.5 outside \[min 1, max 3\]/],
    ["a NaN mean", () => edit(small(), (v) => v.setFloat64(54, NaN, true)), /centroid 1 mean NaN outside/],
    ["a zero weight", () => edit(small(), (_v, b) => (b[71] = 0)), /centroid 1 weight 0 is not a finite number > 0/],
    ["weights that do not sum to count", () => edit(small(), (_v, b) => (b[72] = 2)), /centroid weights sum to 4 but the header count is 3/],
    ["a non-canonical varint", () => concat(small().subarray(0, 44), [0x80, 0x00], small().subarray(45)), /non-canonical varint in rejected at offset 45/],
    ["a varint longer than 8 bytes", () => concat(small().subarray(0, 44), new Array(9).fill(0xff), [0x01]), /varint in rejected at offset 52 is longer than 8 bytes/],
    ["a varint beyond 2^53", () => concat(small().subarray(0, 44), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], small().subarray(45)), /varint in rejected exceeds 2\^53 - 1/],
    ["more centroids than the compression allows", () => edit(digestOf([1, 2, 3], 10).toBytes(), (_v, b) => (b[45] = 0x7f)), /127 centroids exceed the 18 a digest of compression 10 can hold/],
    ["centroids in an empty digest", () => edit(small(), (v) => v.setFloat64(12, 0, true)), /count is 0 but 3 centroids follow/],
    ["an empty digest with a min", () => edit(new TDigest().toBytes(), (v) => v.setFloat64(20, 1, true)), /an empty digest must have NaN min and max/],
    ["an empty digest with a sum", () => edit(new TDigest().toBytes(), (v) => v.setFloat64(36, 2, true)), /an empty digest must have sum 0, got 2/],
    ["a count without centroids", () => edit(new TDigest().toBytes(), (v) => [v.setFloat64(12, 1, true), v.setFloat64(20, 1, true), v.setFloat64(28, 1, true)]), /count is 1 but there are no centroids/],
    ["integer weights stored as float64", () => concat(edit(small().subarray(0, 70), (_v, b) => (b[3] = 1)), le(1), le(1), le(1)), /non-canonical: integer weights stored as float64/],
    ["a truncated float64 weight", () => concat(edit(small().subarray(0, 70), (_v, b) => (b[3] = 1)), le(1), le(1), [0, 0]), /truncated centroids|truncated weight of centroid 2/],
  ])("%s", (_name, make, why) => {
    rejects(make(), why);
  });

  it("rejects a value that is not a Uint8Array", () => {
    rejects("TD" as unknown as Uint8Array, /expected a Uint8Array/);
  });

  it.each(["", "abc", "YQ", "YQ=", "YW Jj", "@@@@", "YWJj\n"])("rejects base64 %j that is not strict padded base64", (text) => {
    let caught: unknown;
    try {
      TDigest.fromBase64(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    expect((caught as Error).message).toMatch(text === "" ? /truncated header: 0 bytes/ : /not padded standard base64/);
  });

  it("never fails other than with a DecodeError, and whatever it accepts re-encodes stably", () => {
    const seeds = [small(), digestOf(generate("lognormal", 3000, 1), 50).toBytes(), new TDigest().toBytes()];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, flips, cut) => {
          const src = seeds[which]!;
          let b = src.slice();
          for (const [at, value] of flips) b[at % b.length] = value;
          if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
          let d: TDigest;
          try {
            d = TDigest.fromBytes(b);
          } catch (err) {
            expect(err).toBeInstanceOf(DecodeError);
            return;
          }
          const again = d.toBytes();
          expect(same(TDigest.fromBytes(again).toBytes(), again)).toBe(true);
        },
      ),
      { numRuns: 3000, seed: 20240601 },
    );
  });
});
