/**
 * The embedded index's posting lists: 32-bit slots (the first bits of a term's keyed hash) → one record key, or
 * several. An open-addressing table over a typed array: a built-in Map spends about 28 bytes a posting on its
 * entry and buckets, this one 12 bytes a slot (a third of them left free), and the index holds several postings
 * per record. The slots come from an HMAC, so their low bits are already uniform: they index the table as they are.
 *
 * Linear probing; a removal shifts the following entries of its run back (no tombstones to sweep).
 */

/** One record key, or several (an array once a second record shares the slot). */
export type Postings = string | string[];

const INITIAL_CAPACITY = 1024;
/** The table doubles once it is this full; probing runs stay short below it. */
const MAX_LOAD = 0.7;

export class PostingTable {
  private slots = new Int32Array(INITIAL_CAPACITY);
  private lists: (Postings | undefined)[] = emptyLists(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private used = 0;

  get size(): number {
    return this.used;
  }

  get(slot: number): Postings | undefined {
    const at = this.find(slot);
    return at < 0 ? undefined : this.lists[at];
  }

  set(slot: number, postings: Postings): void {
    let at = this.find(slot);
    if (at < 0) {
      if (this.used + 1 > this.lists.length * MAX_LOAD) this.grow();
      at = this.free(slot);
      this.slots[at] = slot;
      this.used += 1;
    }
    this.lists[at] = postings;
  }

  delete(slot: number): boolean {
    let at = this.find(slot);
    if (at < 0) return false;
    this.lists[at] = undefined;
    this.used -= 1;
    // Each later entry of the run that could live at `at` (its home is not between `at` and it) moves back there.
    for (let next = (at + 1) & this.mask; this.lists[next] !== undefined; next = (next + 1) & this.mask) {
      const home = (this.slots[next] as number) & this.mask;
      const stays = at <= next ? at < home && home <= next : at < home || home <= next;
      if (stays) continue;
      this.slots[at] = this.slots[next] as number;
      this.lists[at] = this.lists[next];
      this.lists[next] = undefined;
      at = next;
    }
    return true;
  }

  /** Where the slot's entry is, or -1. */
  private find(slot: number): number {
    for (let at = slot & this.mask; ; at = (at + 1) & this.mask) {
      const postings = this.lists[at];
      if (postings === undefined) return -1;
      if (this.slots[at] === slot) return at;
    }
  }

  /** The first free place on the slot's probe run. */
  private free(slot: number): number {
    let at = slot & this.mask;
    while (this.lists[at] !== undefined) at = (at + 1) & this.mask;
    return at;
  }

  private grow(): void {
    const { slots, lists } = this;
    const capacity = lists.length * 2;
    this.slots = new Int32Array(capacity);
    this.lists = emptyLists(capacity);
    this.mask = capacity - 1;
    lists.forEach((postings, i) => {
      if (postings === undefined) return;
      const slot = slots[i] as number;
      const at = this.free(slot);
      this.slots[at] = slot;
      this.lists[at] = postings;
    });
  }
}

/** A packed array (`new Array(n)` of a large n would be a slow dictionary-backed one). */
function emptyLists(capacity: number): (Postings | undefined)[] {
  return Array.from({ length: capacity }, () => undefined);
}
