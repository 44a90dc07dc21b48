import { MemoryStorage, storageOr } from '../../console/src/storage.js';
import { refusingStorage } from './refusing-storage.js';

describe('storageOr', () => {
  it('uses the given storage when it works', () => {
    const storage = new MemoryStorage();
    expect(storageOr(() => storage)).toBe(storage);
  });

  it('falls back to memory when storage is refused or absent', () => {
    expect(storageOr(() => refusingStorage)).toBeInstanceOf(MemoryStorage);
    expect(storageOr(() => undefined)).toBeInstanceOf(MemoryStorage);
    expect(
      storageOr(() => {
        throw new Error('denied');
      }),
    ).toBeInstanceOf(MemoryStorage);
  });
});
