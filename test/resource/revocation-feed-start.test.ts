import { describe, expect, it } from 'vitest';
import { revocationFeed } from '../../src/resource/index.js';
import { testConfig } from '../support/harness.js';

describe('revocation feed start', () => {
  it('starts without a false "replay failed" warning, however its two connections race', async () => {
    const config = testConfig();
    const warnings: string[] = [];
    const feeds = Array.from({ length: 20 }, () =>
      revocationFeed({
        redisUrl: config.redisUrl,
        keyPrefix: config.redisKeyPrefix,
        logger: { warn: (message: string) => warnings.push(message), info: () => undefined },
      }),
    );
    await Promise.all(feeds.map((feed) => feed.ready()));
    await Promise.all(feeds.map((feed) => feed.close()));
    expect(warnings).toEqual([]);
  });
});
