import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isSpecialUseAddress } from '../../src/oidc/client-id-metadata/address-policy.js';
import { testEnv } from '../support/harness.js';

describe('the address check of client document fetches', () => {
  it('refuses loopback, private, link-local, mapped and reserved addresses, and accepts public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      'not-an-address',
    ]) {
      expect(isSpecialUseAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isSpecialUseAddress(address), address).toBe(false);
    }
  });
});

describe('the CIMD development settings', () => {
  it('are refused in production, and the extra CA only comes with private hosts allowed', () => {
    expect(() =>
      loadConfig(
        testEnv({ NODE_ENV: 'production', ISSUER: 'https://id.example.test', CIMD_ALLOW_PRIVATE_HOSTS: 'true' }),
      ),
    ).toThrow(/CIMD_ALLOW_PRIVATE_HOSTS must be false in production/);
    expect(() => loadConfig(testEnv({ CIMD_EXTRA_CA_FILE: '/tmp/ca.pem' }))).toThrow(
      /CIMD_EXTRA_CA_FILE is a development setting/,
    );
    const config = loadConfig(testEnv({ CIMD_ALLOW_PRIVATE_HOSTS: 'true', CIMD_EXTRA_CA_FILE: '/tmp/ca.pem' }));
    expect(config.clientIdMetadata).toMatchObject({
      enabled: true,
      allowPrivateHosts: true,
      extraCaFile: '/tmp/ca.pem',
    });
  });
});
