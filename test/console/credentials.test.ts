import { ApiKeyStore, API_KEY_STORAGE_KEY, checkApiKey, forgetKeyAfter } from '../../console/src/credentials.js';
import { MemoryStorage } from '../../console/src/storage.js';
import { refusingStorage } from './refusing-storage.js';

describe('API key', () => {
  it('accepts a key as pasted, without spaces or a Bearer prefix', () => {
    expect(checkApiKey('  Bearer abc.DEF-123_x  ')).toEqual({ ok: true, key: 'abc.DEF-123_x' });
  });

  it('refuses what cannot be sent in an Authorization header', () => {
    expect(checkApiKey('')).toMatchObject({ ok: false, message: 'Enter an API key.' });
    expect(checkApiKey('two words')).toMatchObject({ ok: false });
    expect(checkApiKey('clé')).toMatchObject({ ok: false });
    expect(checkApiKey('a'.repeat(5000))).toMatchObject({ ok: false });
  });

  it('keeps the key in the given (session) storage and forgets it on request', () => {
    const session = new MemoryStorage();
    const keys = new ApiKeyStore(session);
    expect(keys.get()).toBeNull();
    expect(keys.set('Bearer secret-1')).toEqual({ ok: true, key: 'secret-1' });
    expect(session.getItem(API_KEY_STORAGE_KEY)).toBe('secret-1');
    expect(new ApiKeyStore(session).get()).toBe('secret-1');
    keys.clear();
    expect(keys.get()).toBeNull();
  });

  it('does not store a refused key, and ignores a tampered stored one', () => {
    const session = new MemoryStorage();
    const keys = new ApiKeyStore(session);
    expect(keys.set('bad key').ok).toBe(false);
    expect(session.getItem(API_KEY_STORAGE_KEY)).toBeNull();
    session.setItem(API_KEY_STORAGE_KEY, 'line\nbreak');
    expect(keys.get()).toBeNull();
  });

  it('reads as no key when storage is refused', () => {
    const keys = new ApiKeyStore(refusingStorage);
    expect(keys.get()).toBeNull();
    expect(keys.set('secret-1')).toEqual({ ok: true, key: 'secret-1' });
  });

  it('forgets a key the gateway does not know (401), keeps one that is only not granted this (403)', () => {
    expect(forgetKeyAfter(401)).toBe(true);
    expect(forgetKeyAfter(403)).toBe(false);
    expect(forgetKeyAfter(null)).toBe(false);
  });
});
