/**
 * The embedded index's posting table (open addressing over 32-bit slots): whatever the order of sets and deletes,
 * and however the slots collide, it answers as a Map would.
 */
import { PostingTable } from '../../src/linking/posting-table.js';

/** Slots that share their low bits share a home in the initial 1024 places: they collide. */
const colliding = (home: number, count: number) => Array.from({ length: count }, (_, i) => home + i * 1024);

test('colliding slots each keep their own postings, and a delete inside the run leaves the others findable', () => {
  const table = new PostingTable();
  const slots = colliding(5, 4);
  slots.forEach((slot, i) => table.set(slot, `record-${i}`));
  expect(table.delete(slots[1] ?? 0)).toBe(true);
  expect(table.get(slots[0] ?? 0)).toBe('record-0');
  expect(table.get(slots[1] ?? 0)).toBeUndefined();
  expect(table.get(slots[2] ?? 0)).toBe('record-2');
  expect(table.get(slots[3] ?? 0)).toBe('record-3');
  expect(table.size).toBe(3);
});

test('a run that wraps past the end of the table is found and shifted back across the wrap', () => {
  const table = new PostingTable();
  const slots = colliding(1022, 5);
  slots.forEach((slot, i) => table.set(slot, `record-${i}`));
  table.delete(slots[0] ?? 0);
  table.delete(slots[2] ?? 0);
  expect(slots.map((slot) => table.get(slot))).toEqual([undefined, 'record-1', undefined, 'record-3', 'record-4']);
});

test('an entry whose home lies after the hole stays where it is (a neighbour run does not move it)', () => {
  const table = new PostingTable();
  table.set(10, 'a');
  table.set(10 + 1024, 'b'); // home 10, placed at 11
  table.set(11 + 1024, 'c'); // home 11, placed at 12
  table.set(13, 'd'); // home 13, in place
  table.delete(10);
  expect([table.get(10), table.get(10 + 1024), table.get(11 + 1024), table.get(13)]).toEqual([
    undefined,
    'b',
    'c',
    'd',
  ]);
});

test('setting a slot again replaces its postings without adding an entry; negative slots work like any', () => {
  const table = new PostingTable();
  table.set(-7, 'a');
  table.set(-7, ['a', 'b']);
  expect(table.get(-7)).toEqual(['a', 'b']);
  expect(table.size).toBe(1);
  expect(table.delete(-8)).toBe(false);
});

test('across growth and thousands of random sets and deletes, it answers as a Map does', () => {
  const table = new PostingTable();
  const model = new Map<number, string>();
  // A fixed sequence: the same run each time, with many collisions in the low bits.
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) | 0);
  for (let step = 0; step < 20_000; step++) {
    const slot = next() & 0xffff00ff;
    if (next() % 3 === 0) {
      expect(table.delete(slot)).toBe(model.delete(slot));
    } else {
      table.set(slot, `r${step}`);
      model.set(slot, `r${step}`);
    }
  }
  expect(table.size).toBe(model.size);
  for (const [slot, value] of model) expect(table.get(slot)).toBe(value);
  for (let i = 0; i < 1000; i++) {
    const slot = next();
    expect(table.get(slot)).toBe(model.get(slot));
  }
});
