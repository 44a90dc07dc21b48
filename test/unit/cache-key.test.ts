/** The cache key's layout, which the shared tier's Redis keys and stored values are made from: it must not change. */
import { balancesKey, customerKey, providerOf } from '../../src/core/cache-key.js';

test('a customer is keyed `{provider}:{id}`, its balances variant `{provider}:{id}+balances`', () => {
  const key = customerKey('tango', 'zanzibar-health');
  expect(key).toBe('tango:zanzibar-health');
  expect(balancesKey(key)).toBe('tango:zanzibar-health+balances');
});

test('the provider read back from a key is the one it was made with, also when the id holds a colon', () => {
  expect(providerOf(customerKey('tango', 'zanzibar-health'))).toBe('tango');
  expect(providerOf(balancesKey(customerKey('adobe-vip', 'a:b')))).toBe('adobe-vip');
});
