/** The Adobe and Frontpayment env keys: credentials required once a base URL is set (docs/configuration.md). */
import { ConfigError, loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';

const settings = (env: Record<string, string>, id: string) =>
  loadConfig(env, adapters).providers.find((p) => p.id === id);

test('sandbox needs no credentials', () => {
  expect(settings({}, 'adobe-vip')?.baseUrl).toBeUndefined();
  expect(settings({}, 'frontpayment')?.baseUrl).toBeUndefined();
});

test.each(['ADOBE_VIP_API_KEY', 'ADOBE_VIP_CLIENT_SECRET', 'ADOBE_VIP_SCOPES'])(
  'with ADOBE_VIP_BASE_URL, %s is required',
  (missing) => {
    const env: Record<string, string> = {
      PROVIDERS: 'adobe-vip',
      ADOBE_VIP_BASE_URL: 'https://partnersandbox-stage.adobe.io',
      ADOBE_VIP_API_KEY: 'key',
      ADOBE_VIP_CLIENT_SECRET: 'secret',
      ADOBE_VIP_SCOPES: 'openid,AdobeID',
    };
    delete env[missing];
    expect(() => loadConfig(env, adapters)).toThrow(ConfigError);
    expect(() => loadConfig(env, adapters)).toThrow(missing);
  },
);

test('ADOBE_VIP_TOKEN_URL defaults to the production IMS endpoint', () => {
  const adobe = settings(
    {
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      ADOBE_VIP_BASE_URL: 'https://partners.adobe.io',
      ADOBE_VIP_API_KEY: 'k',
      ADOBE_VIP_CLIENT_SECRET: 's',
      ADOBE_VIP_SCOPES: 'openid',
    },
    'adobe-vip',
  );
  expect(adobe?.env.ADOBE_VIP_TOKEN_URL).toBe('https://ims-na1.adobelogin.com/ims/token/v3');
});

test('with FRONTPAYMENT_BASE_URL, FRONTPAYMENT_TOKEN is required', () => {
  expect(() =>
    loadConfig(
      { PROVIDERS: 'frontpayment', FRONTPAYMENT_BASE_URL: 'https://demo-api.frontpayment.no/api/v1' },
      adapters,
    ),
  ).toThrow('FRONTPAYMENT_TOKEN');
  expect(
    settings(
      {
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        FRONTPAYMENT_BASE_URL: 'https://demo-api.frontpayment.no/api/v1',
        FRONTPAYMENT_TOKEN: 't',
      },
      'frontpayment',
    )?.env.FRONTPAYMENT_TOKEN,
  ).toBe('t');
});
