import { sameTarget, searchForTarget, targetFromSearch } from '../../console/src/url-state.js';

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
