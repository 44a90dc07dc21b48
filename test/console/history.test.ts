import { RecentLookups, RECENT_LOOKUPS_KEY } from '../../console/src/history.js';
import { MemoryStorage } from '../../console/src/storage.js';
import { refusingStorage } from './refusing-storage.js';

describe('RecentLookups', () => {
  let clock = 0;
  const now = () => new Date(Date.UTC(2026, 10, 22, 10, 0, clock++));

  it('lists lookups newest first, one entry per customer', () => {
    const recent = new RecentLookups(new MemoryStorage(), { now });
    recent.add({ provider: 'tango', id: 'zanzibar-health', displayName: 'Zanzibar Health Group' });
    recent.add({ provider: 'adobe-vip', id: '9876543210', displayName: 'Fairmont' });
    const list = recent.add({ provider: 'tango', id: 'zanzibar-health', displayName: 'Zanzibar Health Group' });
    expect(list.map((e) => `${e.provider}/${e.id}`)).toEqual(['tango/zanzibar-health', 'adobe-vip/9876543210']);
    expect(recent.list()).toEqual(list);
  });

  it('stores provider, id and time only: the name is remembered for the page, never stored', () => {
    const storage = new MemoryStorage();
    const recent = new RecentLookups(storage, { now });
    recent.add({ provider: 'tango', id: 'zanzibar-health', displayName: 'Zanzibar Health Group' });
    expect(recent.list()[0]?.displayName).toBe('Zanzibar Health Group');
    expect(storage.getItem(RECENT_LOOKUPS_KEY)).not.toContain('Zanzibar');
    expect(JSON.parse(storage.getItem(RECENT_LOOKUPS_KEY) ?? '[]')).toEqual([
      { provider: 'tango', id: 'zanzibar-health', at: expect.any(String) as string },
    ]);
    // The next page (a reload) has the lookups, without their names.
    expect(new RecentLookups(storage).list()).toEqual([
      { provider: 'tango', id: 'zanzibar-health', displayName: null, at: expect.any(String) as string },
    ]);
  });

  it('keeps the same id at two providers apart', () => {
    const recent = new RecentLookups(new MemoryStorage(), { now });
    recent.add({ provider: 'tango', id: 'abcde', displayName: null });
    expect(recent.add({ provider: 'frontpayment', id: 'abcde', displayName: null })).toHaveLength(2);
  });

  it('keeps at most its limit', () => {
    const recent = new RecentLookups(new MemoryStorage(), { now, limit: 3 });
    for (const id of ['aaaaa', 'bbbbb', 'ccccc', 'ddddd']) recent.add({ provider: 'tango', id, displayName: null });
    expect(recent.list().map((e) => e.id)).toEqual(['ddddd', 'ccccc', 'bbbbb']);
  });

  it('survives a corrupt or foreign stored value', () => {
    const storage = new MemoryStorage();
    storage.setItem(RECENT_LOOKUPS_KEY, '{not json');
    expect(new RecentLookups(storage).list()).toEqual([]);
    storage.setItem(
      RECENT_LOOKUPS_KEY,
      JSON.stringify([
        { provider: 'tango' },
        42,
        { provider: 'tango', id: 'zanzibar-health', displayName: 'Stored by an older console', at: 'x' },
      ]),
    );
    expect(new RecentLookups(storage).list()).toEqual([
      { provider: 'tango', id: 'zanzibar-health', displayName: null, at: 'x' },
    ]);
  });

  it('never fails a lookup because storage is refused', () => {
    const recent = new RecentLookups(refusingStorage, { now });
    expect(recent.add({ provider: 'tango', id: 'zanzibar-health', displayName: 'Z' })).toHaveLength(1);
    expect(recent.list()).toEqual([]);
    expect(() => recent.clear()).not.toThrow();
  });

  it('clears the list', () => {
    const storage = new MemoryStorage();
    const recent = new RecentLookups(storage, { now });
    recent.add({ provider: 'tango', id: 'zanzibar-health', displayName: 'Z' });
    recent.clear();
    expect(recent.list()).toEqual([]);
    expect(storage.getItem(RECENT_LOOKUPS_KEY)).toBeNull();
  });
});
