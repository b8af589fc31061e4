import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatDurationMs,
  parseByteRate,
  parseBytes,
  parseCores,
  parseCount,
  parseDurationMs,
  parseMoney,
} from "../../src/units/index.js";

const HUGE = "1" + "0".repeat(400); // overflows to Infinity as a number

describe("parseDurationMs", () => {
  it.each([
    ["300ms", 300],
    ["1.5s", 1500],
    ["2m", 120_000],
    ["2min", 120_000],
    ["1h", 3_600_000],
    ["30d", 30 * 86_400_000],
    ["1w", 604_800_000],
    ["250us", 0.25],
    ["250\u00b5s", 0.25], // MICRO SIGN
    ["250\u03bcs", 0.25], // GREEK SMALL LETTER MU
    ["500ns", 0.0005],
    [" 20 ms ", 20],
    [".5s", 500],
    ["300", 300],
    [300, 300],
    [0, 0],
  ])("%j is %d ms", (input, ms) => {
    expect(parseDurationMs(input)).toBeCloseTo(ms, 12);
  });

  it.each([["-5ms"], ["5 parsecs"], ["ms"], [""], ["1,5s"], ["1e3ms"], [-1], [NaN], [Infinity], [null], [undefined], [{}], [true], ["5S"]])(
    "refuses %j",
    (input) => {
      expect(parseDurationMs(input)).toBeUndefined();
    },
  );

  it("refuses digit strings that overflow", () => {
    expect(parseDurationMs(HUGE + "ms")).toBeUndefined();
  });
});

describe("formatDurationMs", () => {
  it.each([
    [0, "0ms"],
    [0.85, "850µs"],
    [312, "312ms"],
    [1.5, "1.5ms"],
    [1250, "1.25s"],
    [120_000, "2m"],
    [65_000, "1m5s"],
    [5_400_000, "1h30m"],
    [30 * 86_400_000, "30d"],
    [-2500, "-2.5s"],
    [Infinity, "Infinity"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  // Regressions: the unit used to be chosen before rounding.
  it.each([
    [0.9999, "1ms"],
    [999.9, "1s"],
    [59_999, "1m"],
    [119_999, "2m"],
    [3_599_999, "1h"],
    [86_399_999, "1d"],
  ])("carries at unit boundaries: %d ms reads %s", (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it("reads back (summing compound parts) within the shown precision", () => {
    const readBack = (text: string) =>
      [...text.matchAll(/(\d+(?:\.\d+)?)(µs|ms|s|m|h|d)/g)].reduce((a, m) => a + parseDurationMs(m[1] + m[2])!, 0);
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1e10, noNaN: true }), (ms) => {
        const back = readBack(formatDurationMs(ms));
        // 3 significant digits (≤ 0.5%), or a compound rounded to its small unit (≤ half an hour in a day: 2.1%).
        expect(Math.abs(back - ms) / ms).toBeLessThan(0.021);
      }),
    );
  });
});

describe("parseBytes", () => {
  it.each([
    ["512MiB", 512 * 1024 ** 2],
    ["1.5GB", 1.5e9],
    ["64Ki", 64 * 1024],
    ["1G", 1024 ** 3],
    ["10kb", 10_000],
    ["2TiB", 2 * 1024 ** 4],
    ["100", 100],
    ["100 B", 100],
    [4096, 4096],
  ])("%j is %d bytes", (input, n) => {
    expect(parseBytes(input)).toBe(n);
  });

  it.each([["12 parsecs"], ["1.5XB"], ["-1MiB"], [-5], [Infinity], [null], ["MiB"]])("refuses %j", (input) => {
    expect(parseBytes(input)).toBeUndefined();
  });
});

describe("parseByteRate", () => {
  it.each([
    ["10MiB/s", 10 * 1024 ** 2],
    ["1.5MB/s", 1.5e6],
    ["1.5 MB / sec", 1.5e6],
    ["2KiB/second", 2048],
    ["1000", 1000],
    [1000, 1000],
  ])("%j is %d bytes/s", (input, n) => {
    expect(parseByteRate(input)).toBe(n);
  });

  it.each([["10MiB/h"], ["fast"], [-1]])("refuses %j", (input) => {
    expect(parseByteRate(input)).toBeUndefined();
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0B"],
    [900, "900B"],
    [1024, "1KiB"],
    [512 * 1024 ** 2, "512MiB"],
    [1.5 * 1024 ** 3, "1.5GiB"],
    [-2048, "-2KiB"],
    [1024 ** 2 - 1, "1MiB"], // regression: read "1020KiB"
    [NaN, "NaN"],
  ])("%d reads %s", (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe("parseCores", () => {
  it.each([
    [0.5, 0.5],
    ["0.5", 0.5],
    ["500m", 0.5],
    ["1500m", 1.5],
    ["2 cores", 2],
    ["1 core", 1],
  ])("%j is %d cores", (input, n) => {
    expect(parseCores(input)).toBe(n);
  });

  it.each([["500M"], ["2 cpus"], [-1], ["-1"], [null]])("refuses %j", (input) => {
    expect(parseCores(input)).toBeUndefined();
  });
});

describe("parseCount", () => {
  it.each([
    [12, 12],
    ["12", 12],
    ["100/s", 100],
    ["100 / sec", 100],
    ["12/trace", 12],
    ["0", 0],
  ])("%j is %d", (input, n) => {
    expect(parseCount(input)).toBe(n);
  });

  it.each([["12/h"], ["many"], [-3], [NaN], [[]]])("refuses %j", (input) => {
    expect(parseCount(input)).toBeUndefined();
  });
});

describe("parseMoney", () => {
  it.each([
    [12.5, { amount: 12.5 }],
    ["12.50", { amount: 12.5 }],
    ["$12.50", { amount: 12.5, currency: "USD" }],
    ["12.50 usd", { amount: 12.5, currency: "USD" }],
    ["€3", { amount: 3, currency: "EUR" }],
    ["£0.002", { amount: 0.002, currency: "GBP" }],
    ["400 CHF", { amount: 400, currency: "CHF" }],
    ["$5 USD", { amount: 5, currency: "USD" }],
  ])("%j is %j", (input, money) => {
    expect(parseMoney(input)).toEqual(money);
  });

  it.each([["$5 EUR"], ["five dollars"], [-1], ["-$1"], [Infinity], [null]])("refuses %j", (input) => {
    expect(parseMoney(input)).toBeUndefined();
  });
});

describe("unit parsers on arbitrary input", () => {
  it("refuse digit strings that overflow to Infinity (regression)", () => {
    expect(parseBytes(HUGE)).toBeUndefined();
    expect(parseBytes(HUGE + "GiB")).toBeUndefined();
    expect(parseByteRate(HUGE + "B/s")).toBeUndefined();
    expect(parseCores(HUGE)).toBeUndefined();
    expect(parseCount(HUGE)).toBeUndefined();
    expect(parseMoney(HUGE)).toBeUndefined();
    expect(parseMoney("$" + HUGE)).toBeUndefined();
  });

  it("never throw and return a finite non-negative number or undefined", () => {
    const parsers = [parseDurationMs, parseBytes, parseByteRate, parseCores, parseCount, (v: unknown) => parseMoney(v)?.amount];
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.stringMatching(/^\s*\d{0,3}(\.\d{0,3})?\s*[a-zA-Zµ/$€]{0,4}\s*$/)), (v) => {
        for (const parse of parsers) {
          const n = parse(v);
          if (n !== undefined) {
            expect(Number.isFinite(n)).toBe(true);
            expect(n).toBeGreaterThanOrEqual(0);
          }
        }
      }),
    );
  });
});
