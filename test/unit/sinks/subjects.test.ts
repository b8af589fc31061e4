// Subject tokens (CONTRACT.md "NATS"): a name never becomes a wildcard or an extra token.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { alertServiceFilter, alertSubject, evalSubject, subjectToken } from "../../../src/sinks/index.js";

const TOKEN = /^[A-Za-z0-9_-]+$/;

describe("subjectToken", () => {
  it.each([
    ["checkout", "checkout"],
    ["checkout-p99_v2", "checkout-p99_v2"],
    ["a.>", "a__"],
    ["x*", "x_"],
    [">", "_"],
    ["*", "_"],
    ["a b", "a_b"],
    ["tab\there", "tab_here"],
    ["new\nline", "new_line"],
    ["café", "caf_"],
    ["日本", "__"],
    ["🚀", "__"],
    ["", "_"],
    ["a.b.c", "a_b_c"],
    ["$JS.API", "_JS_API"],
  ])("%j → %j", (name, token) => {
    expect(subjectToken(name)).toBe(token);
  });

  it("builds four-token alert and evaluation subjects", () => {
    expect(alertSubject("checkout", "checkout-p99")).toBe("pbe.alert.checkout.checkout-p99");
    expect(evalSubject("checkout", "checkout-p99")).toBe("pbe.eval.checkout.checkout-p99");
    expect(alertSubject("a.>", "x*")).toBe("pbe.alert.a__.x_");
    expect(evalSubject("", "")).toBe("pbe.eval._._");
    expect(alertServiceFilter("a.>")).toBe("pbe.alert.a__.>");
  });

  it("property: any names give exactly four tokens, each non-empty and free of wildcards, dots and whitespace", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), (service, budgetId) => {
        for (const [subject, prefix] of [
          [alertSubject(service, budgetId), "alert"],
          [evalSubject(service, budgetId), "eval"],
        ] as const) {
          const tokens = subject.split(".");
          expect(tokens).toHaveLength(4);
          expect(tokens[0]).toBe("pbe");
          expect(tokens[1]).toBe(prefix);
          for (const t of tokens.slice(2)) {
            expect(t).toMatch(TOKEN);
            expect(t).not.toMatch(/[*>.\s]/u);
          }
          expect(tokens[2]).toBe(subjectToken(service));
          expect(tokens[3]).toBe(subjectToken(budgetId));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("property: keeps valid names as they are, keeps the length (in UTF-16 units) and is idempotent", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/), (name) => {
        expect(subjectToken(name)).toBe(name);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }), (name) => {
        const t = subjectToken(name);
        expect(t).toHaveLength(name.length);
        expect(subjectToken(t)).toBe(t);
      }),
    );
  });
});
