import { describe, expect, it } from "vitest";
import { Patch, PbWriter, readU32 } from "../../../src/loadgen/writer.js";

describe("PbWriter", () => {
  it("writes nested messages with minimal length varints and shifts the recorded offsets", () => {
    const w = new PbWriter(16);
    const id = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    w.begin(1);
    w.begin(2);
    w.string(1, "x".repeat(300)); // a 2-byte length inside, 3 bytes outside: content moves
    w.bytes(2, id, Patch.TRACE_ID, 7);
    w.time(3, 5_000_000_123);
    w.end();
    w.end();
    const buf = w.finish();
    // inner = string (tag, 2-byte length, 300) + bytes (tag, length, 16) + fixed64 (tag, 8)
    const innerLen = 1 + 2 + 300 + (1 + 1 + 16) + (1 + 8);
    const outerLen = 1 + 2 + innerLen;
    expect(buf.length).toBe(1 + 2 + outerLen);
    const varint2 = (at: number) => (buf[at]! & 0x7f) | (buf[at + 1]! << 7);
    expect(buf[0]).toBe(0x0a);
    expect(buf[2]! & 0x80).toBe(0);
    expect(varint2(1)).toBe(outerLen);
    expect(buf[3]).toBe(0x12);
    expect(varint2(4)).toBe(innerLen);
    expect(buf[6]).toBe(0x0a);
    expect(varint2(7)).toBe(300);
    const [off] = w.patchOff;
    expect(Buffer.from(buf.subarray(off!, off! + 16))).toEqual(Buffer.from(id));
    expect(w.patchKind).toEqual([Patch.TRACE_ID, Patch.TIME]);
    expect(w.patchArg[0]).toBe(7);
    const t = w.patchOff[1]!;
    expect(readU32(buf, t) + readU32(buf, t + 4) * 2 ** 32).toBe(5_000_000_123);
  });
});
