import type { KeyValueStorage } from '../../console/src/storage.js';

/** A storage that refuses everything, like a browser with storage disabled or full. */
export const refusingStorage: KeyValueStorage = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
  removeItem: () => {
    throw new Error('SecurityError');
  },
};
