import { checkId, cleanId, compilePattern, idRuleOf } from '../../console/src/id-rule.js';

// The rules as GET /providers serves them (`idPattern`).
const tango = idRuleOf({ idPattern: '^[A-Za-z0-9-]{5,100}$' });
const adobe = idRuleOf({ idPattern: '^[\\p{L}0-9-]{4,40}$' });
const frontpayment = idRuleOf({ idPattern: '^[A-Za-z0-9]{4,64}$' });

describe('compilePattern', () => {
  it('always compiles with the unicode flag, so \\p{L} works and lengths count characters', () => {
    const pattern = compilePattern('^[\\p{L}0-9-]{4,40}$');
    expect(pattern?.flags).toContain('u');
    expect(pattern?.test('Ærø-1')).toBe(true);
    expect(compilePattern('^.{2}$')?.test('😀😀')).toBe(true);
  });

  it('keeps harmless extra flags and drops the stateful ones', () => {
    expect(compilePattern('^a$', 'gi')?.flags).toBe('iu');
  });

  it('gives null for a pattern this browser cannot compile', () => {
    expect(compilePattern('^[a-$')).toBeNull();
  });
});

describe('idRuleOf', () => {
  it('puts the simple rules into words', () => {
    expect(tango.summary).toBe('5 to 100 characters: Latin letters, digits and hyphens (-)');
    expect(adobe.summary).toBe('4 to 40 characters: letters of any alphabet, digits and hyphens (-)');
    expect(frontpayment.summary).toBe('4 to 64 characters: Latin letters and digits');
  });

  it('leaves a pattern it cannot read without words, but still checks it', () => {
    const rule = idRuleOf({ idPattern: '^(?:abc|def)\\d+$' });
    expect(rule.summary).toBeNull();
    expect(checkId('abc1', rule, 'X')).toEqual({ ok: true, id: 'abc1' });
    expect(checkId('xyz1', rule, 'X')).toEqual({
      ok: false,
      empty: false,
      message: 'Not a valid X customer id: it must match the rule ^(?:abc|def)\\d+$.',
    });
  });
});

describe('checkId', () => {
  it('accepts the seeded ids of each provider', () => {
    expect(checkId('zanzibar-health', tango, 'Tango')).toEqual({ ok: true, id: 'zanzibar-health' });
    expect(checkId('9876543210', adobe, 'Adobe')).toEqual({ ok: true, id: '9876543210' });
    expect(checkId('CSRT1511414842', frontpayment, 'Frontpayment')).toEqual({ ok: true, id: 'CSRT1511414842' });
  });

  it('accepts non-Latin letters for Adobe and refuses them for Tango', () => {
    expect(checkId('Müller-42', adobe, 'Adobe').ok).toBe(true);
    expect(checkId('Müller-42', tango, 'Tango')).toEqual({
      ok: false,
      empty: false,
      message: 'Not a valid Tango customer id: “ü” is not allowed.',
    });
  });

  it('says when an id is too short or too long', () => {
    const short = checkId('abc', tango, 'Tango');
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.message).toContain('it is too short (3 of at least 5 characters)');
    const long = checkId('a'.repeat(65), frontpayment, 'Frontpayment');
    if (!long.ok) expect(long.message).toContain('it is too long (65 of at most 64 characters)');
    expect(long.ok).toBe(false);
  });

  it('names spaces and invisible characters, and several wrong characters at once', () => {
    const check = checkId('ab c/d\u200Be', tango, 'Tango');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toContain('a space, “/”, U+200B are not allowed');
  });

  it('treats an empty field as empty, not as a wrong id', () => {
    expect(checkId('   ', tango, 'Tango')).toEqual({ ok: false, empty: true, message: 'Enter a customer id.' });
  });

  it('drops surrounding whitespace and checks the NFC form, as the server does', () => {
    expect(checkId('  zanzibar-health\n', tango, 'Tango')).toEqual({ ok: true, id: 'zanzibar-health' });
    // "é" as e + combining accent: 2 code points typed, 1 after NFC.
    expect(cleanId('Cafe\u0301')).toBe('Caf\u00e9');
    expect(checkId('Cafe\u0301', adobe, 'Adobe')).toEqual({ ok: true, id: 'Caf\u00e9' });
  });

  it('lets the server decide when the provider is unknown to the page', () => {
    expect(checkId('anything at all', null, 'Somewhere')).toEqual({ ok: true, id: 'anything at all' });
  });

  it('refuses the dot segments, which no URL can carry as a path segment', () => {
    expect(checkId('..', null, 'Somewhere')).toEqual({
      ok: false,
      empty: false,
      message: '“..” cannot be a customer id.',
    });
    expect(checkId('.', null, 'Somewhere').ok).toBe(false);
  });
});
