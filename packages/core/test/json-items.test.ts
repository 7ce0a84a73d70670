// JsonItems: a JSON array body read item by item, cut at a byte budget (issue 101). The body is fed
// in every split (each byte boundary), so an item, a string or an escape torn across chunks is
// still read whole.
import { describe, expect, it } from "vitest";
import { JsonItems } from "../src/transport/json-items.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Feeds `body` in chunks of `size` bytes; the items (or `end()`), and whether it was cut. */
function read(body: string, size: number, items = new JsonItems(Infinity)) {
  const bytes = enc(body);
  for (let i = 0; i < bytes.length; i += size) {
    if (!items.push(bytes.subarray(i, i + size))) return { body: items.items, cut: items.cut };
  }
  return { body: items.end(), cut: items.cut };
}

const ROWS = [
  { id: "a", text: 'brackets ] } [ { and "quotes" \\ and a \\" tail, a: colon' },
  { "a:b": { "c,d": [1, { e: "f:g" }] }, "": 0, "\u00e9t\u00e9": "x" },
  { id: "b", text: "héllo → 世界 🎉", n: [1, 2.5e3, -7, true, false, null], o: {} },
  "a string item with ] and ,",
  42,
  null,
  [[], [{}], "]"],
];

describe("JsonItems", () => {
  it("reads every item of an array, whatever the chunk boundaries", () => {
    const body = ` [ ${ROWS.map((r) => JSON.stringify(r)).join(" ,\n ")} ] \n`;
    for (let size = 1; size <= body.length; size += size < 8 ? 1 : 7) {
      expect(read(body, size)).toEqual({ body: ROWS, cut: false });
    }
  });

  it("an empty array, and an empty body", () => {
    expect(read("[]", 1).body).toEqual([]);
    expect(read("", 1).body).toBeUndefined();
  });

  it("stops after the item that fills the budget (at least one), and says it was cut", () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, text: "x".repeat(100) }));
    const body = JSON.stringify(rows);
    const one = JSON.stringify(rows[0]).length;
    expect(read(body, 7, new JsonItems(3 * one))).toEqual({ body: rows.slice(0, 3), cut: true });
    expect(read(body, 64, new JsonItems(1))).toEqual({ body: rows.slice(0, 1), cut: true });
    // The budget reached by the last item: the array ends there, nothing is cut.
    expect(read(body, body.length, new JsonItems(10 * one))).toEqual({ body: rows, cut: false });
  });

  it("items picked by their id keep their place only: their other members unread, not counted", () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({
      id: `r${i}`,
      created_at: `t${i}`,
      text: "x".repeat(100),
    }));
    const one = JSON.stringify(rows[0]).length;
    const known = new Set(["r0", "r1", "r2"]);
    const items = new JsonItems(2 * one, {
      keys: ["id", "created_at"],
      when: (id) => known.has(id),
    });
    expect(read(JSON.stringify(rows), 5, items)).toEqual({
      body: [
        { id: "r0", created_at: "t0" },
        { id: "r1", created_at: "t1" },
        { id: "r2", created_at: "t2" },
        rows[3],
        rows[4],
      ],
      cut: true,
    });
    expect(items.whole).toBe(2);
  });

  it("holds one member's text at a time; a placed item's large member is never held", () => {
    const big = "y".repeat(1 << 20);
    const old = { id: "old", kind: "k", n: 1, body: big };
    const body = enc(JSON.stringify([old, { id: "new", a: big, b: big }, { id: "small", n: 2 }]));
    const items = new JsonItems(Infinity, { keys: ["id"], when: (id) => id === "old" });
    const oldEnd = 1 + JSON.stringify(old).length;
    let held = 0;
    let heldOld = 0;
    for (let i = 0; i < body.length; i += 4096) {
      items.push(body.subarray(i, i + 4096));
      held = Math.max(held, items.held - items.bytes);
      if (i + 4096 <= oldEnd) heldOld = Math.max(heldOld, items.held - items.bytes);
    }
    expect(heldOld).toBeLessThan(8192); // the placed item's body: skipped, never decoded
    expect(items.end()).toEqual([
      { id: "old" },
      { id: "new", a: big, b: big },
      { id: "small", n: 2 },
    ]);
    expect(held).toBeLessThan((1 << 20) + 4096 + 16); // one member of "new", never two
  });

  it("a small body read whole is parsed natively, its items placed the same way", () => {
    const items = new JsonItems(Infinity, { keys: ["id"], when: (id) => id === "a" });
    expect(items.fromText('[{"id":"a","x":1},{"id":"b","x":2},3]')).toEqual([
      { id: "a" },
      { id: "b", x: 2 },
      3,
    ]);
    expect(items.whole).toBe(2);
    expect(items.fromText('{"items":[]}')).toEqual({ items: [] });
  });

  it("keeps a body that is not an array whole and parses it as usual", () => {
    expect(read('{"items":[1,2]}', 3).body).toEqual({ items: [1, 2] });
    expect(read("not json", 3).body).toBe("not json");
  });

  it("fails with unexpected_response on a broken array", () => {
    expect(() => read("[1,2", 2)).toThrow(expect.objectContaining({ code: "unexpected_response" }));
    expect(() => read('[{"a":}]', 2)).toThrow(/item 0 is not JSON/);
    expect(() => read("[1] x", 2)).toThrow(/bytes after the array/);
  });

  it("starts over on reset (a retried request's body)", () => {
    const items = new JsonItems(Infinity);
    items.push(enc('[{"a":1},{"b"'));
    items.reset();
    expect(read("[3,4]", 2, items).body).toEqual([3, 4]);
  });
});
