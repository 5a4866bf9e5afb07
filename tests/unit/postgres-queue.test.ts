import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

// postgres.js 3.4.9 keeps its idle connections in a queue whose array only shrinks when it runs empty. While some
// connections sit idle and others work (any time after a burst), each query left a slot behind and scanned all the
// earlier ones: the process grew and every query cost more the longer it ran. patches/postgres+3.4.9.patch, applied
// on install, makes the queue scan from its head and compact itself.

const require = createRequire(import.meta.url);
const sources = path.dirname(require.resolve("postgres")); // cjs/src; the ESM copy is src/
const copies = [path.join(sources, "queue.js"), path.join(sources, "..", "..", "src", "queue.js")];

interface Queue<T> {
  readonly length: number;
  push(x: T): T;
  shift(): T | undefined;
  remove(x: T): T | null;
}

describe("postgres.js connection queue", () => {
  it("is the patched queue in both module copies the package ships", () => {
    for (const file of copies) {
      const text = readFileSync(file, "utf8");
      expect(text, file).toContain("xs.indexOf(x, index)");
      expect(text, file).toContain("xs = xs.slice(index)");
    }
  });

  it("stays first in, first out through 100,000 turns with idle entries behind, and removes what it holds", () => {
    const Queue = require(copies[0]) as (initial?: unknown[]) => Queue<object>;
    const connections = Array.from({ length: 8 }, (_, i) => ({ i }));
    const open = Queue();
    for (const c of connections) open.push(c);
    let outOfTurn = 0;
    for (let turn = 0; turn < 100_000; turn++) {
      const c = open.shift() as object;
      if (c !== connections[turn % connections.length]) outOfTurn++;
      if (open.remove(c) !== null) outOfTurn++; // already shifted out, as postgres.js's move() asks
      open.push(c);
    }
    expect(outOfTurn).toBe(0);
    expect(open.length).toBe(8);
    expect(open.remove(connections[3])).toBe(connections[3]);
    expect(open.remove(connections[3])).toBeNull();
    const order: number[] = [];
    while (open.length > 0) order.push((open.shift() as { i: number }).i);
    expect(order).toEqual([0, 1, 2, 4, 5, 6, 7]);
  });
});
