/**
 * The Latin vocabulary as a trie, for typo tolerance (bounded Damerau–Levenshtein walk) and prefix completion.
 * Words are only ever added; a word whose documents are all gone simply matches nothing.
 */
interface Node {
  children: Map<string, Node>;
  word: string | null;
}

function node(): Node {
  return { children: new Map(), word: null };
}

export class Trie {
  private readonly root = node();
  size = 0;

  add(word: string): void {
    let n = this.root;
    for (const ch of word) {
      let next = n.children.get(ch);
      if (!next) {
        next = node();
        n.children.set(ch, next);
      }
      n = next;
    }
    if (n.word === null) {
      n.word = word;
      this.size++;
    }
  }

  /** Words starting with prefix (the prefix itself excluded), at most limit of them. */
  withPrefix(prefix: string, limit: number): string[] {
    let n: Node | undefined = this.root;
    for (const ch of prefix) {
      n = n.children.get(ch);
      if (!n) return [];
    }
    const out: string[] = [];
    const stack: Node[] = [...n.children.values()];
    while (stack.length > 0 && out.length < limit) {
      const next = stack.pop()!;
      if (next.word !== null) out.push(next.word);
      for (const child of next.children.values()) stack.push(child);
    }
    return out;
  }

  /**
   * Words within maxDistance edits of query (insert, delete, substitute, or swap two neighbours = one edit), with their
   * distance. As in Meilisearch, a different first letter costs one extra edit.
   */
  fuzzy(query: string, maxDistance: number): { word: string; distance: number }[] {
    const q = [...query];
    const width = q.length + 1;
    const first = new Array<number>(width);
    for (let j = 0; j < width; j++) first[j] = j;
    const out: { word: string; distance: number }[] = [];

    const walk = (n: Node, ch: string, prevCh: string | null, prev: number[], prevPrev: number[] | null): void => {
      const row = new Array<number>(width);
      row[0] = prev[0] + 1;
      let rowMin = row[0];
      for (let j = 1; j < width; j++) {
        const cost = q[j - 1] === ch ? 0 : 1;
        let v = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (prevPrev && prevCh !== null && j > 1 && q[j - 1] === prevCh && q[j - 2] === ch) v = Math.min(v, prevPrev[j - 2] + 1);
        row[j] = v;
        if (v < rowMin) rowMin = v;
      }
      if (n.word !== null) {
        const distance = row[width - 1] + (n.word[0] !== q[0] ? 1 : 0);
        if (distance <= maxDistance) out.push({ word: n.word, distance });
      }
      if (rowMin <= maxDistance) {
        for (const [c, child] of n.children) walk(child, c, ch, row, prev);
      }
    };
    for (const [c, child] of this.root.children) walk(child, c, null, first, null);
    return out;
  }
}
