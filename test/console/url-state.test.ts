import {
  queryFromSearch,
  sameTarget,
  searchForQuery,
  searchForTarget,
  targetFromSearch,
} from '../../console/src/url-state.js';

describe('deep links', () => {
  it('reads ?provider=…&id=…', () => {
    expect(targetFromSearch('?provider=tango&id=zanzibar-health')).toEqual({
      provider: 'tango',
      id: 'zanzibar-health',
    });
    expect(targetFromSearch('?id=M%C3%BCller-42&provider=adobe-vip')).toEqual({
      provider: 'adobe-vip',
      id: 'Müller-42',
    });
  });

  it('needs both parameters', () => {
    expect(targetFromSearch('')).toBeNull();
    expect(targetFromSearch('?provider=tango')).toBeNull();
    expect(targetFromSearch('?provider=&id=x')).toBeNull();
    expect(targetFromSearch('?provider=tango&id=%20')).toBeNull();
  });

  it('writes a link that reads back the same, keeping other parameters', () => {
    const target = { provider: 'adobe-vip', id: 'Ærø & co/1' };
    const search = searchForTarget(target, '?lang=en&id=old');
    expect(search).toBe('?lang=en&provider=adobe-vip&id=%C3%86r%C3%B8+%26+co%2F1');
    expect(targetFromSearch(search)).toEqual(target);
    expect(searchForTarget(null, '?provider=tango&id=x')).toBe('');
  });

  it('compares targets', () => {
    expect(sameTarget({ provider: 'tango', id: 'a' }, { provider: 'tango', id: 'a' })).toBe(true);
    expect(sameTarget({ provider: 'tango', id: 'a' }, { provider: 'tango', id: 'A' })).toBe(false);
    expect(sameTarget(null, null)).toBe(true);
    expect(sameTarget(null, { provider: 'tango', id: 'a' })).toBe(false);
  });
});

describe('deep links of searches', () => {
  it.each([
    ['?q=post%40nordlys.example.no', 'post@nordlys.example.no'],
    ['?q=%2B47+55+12+34+56', '+47 55 12 34 56'],
    ['?q=+Nordlys+&provider=tango&id=nordlys-energi', 'Nordlys'],
    ['?q=', null],
    ['?q=%20%20', null],
    ['?provider=tango&id=x', null],
    ['', null],
  ])('%j searches for %j', (search, query) => {
    expect(queryFromSearch(search)).toBe(query);
  });

  it('writes a search that reads back the same, dropping the customer of the previous link', () => {
    const search = searchForQuery('+47 55 12 34 56', '?lang=en&provider=tango&id=x&q=old');
    expect(search).toBe('?lang=en&q=%2B47+55+12+34+56');
    expect(queryFromSearch(search)).toBe('+47 55 12 34 56');
    expect(targetFromSearch(search)).toBeNull();
  });

  it('keeps the search when a customer is opened from its results, and both read back', () => {
    const search = searchForTarget({ provider: 'adobe-vip', id: 'P1047770001' }, '?q=post%40nordlys.example.no');
    expect(queryFromSearch(search)).toBe('post@nordlys.example.no');
    expect(targetFromSearch(search)).toEqual({ provider: 'adobe-vip', id: 'P1047770001' });
  });

  it('removes only the search when asked to', () => {
    expect(searchForQuery(null, '?q=x&provider=tango&id=a')).toBe('?provider=tango&id=a');
    expect(searchForQuery(null, '?q=x')).toBe('');
  });
});
