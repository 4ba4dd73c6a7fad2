import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { testEnv } from '../support/harness.js';

const env = testEnv();

describe('orgauth keys', () => {
  it('rotates the signing key and lists keys without their material', async () => {
    const first = await runCli(['keys', 'rotate', '--retire-after', '600'], env);
    expect(first.code).toBe(0);
    expect(first.json()).toEqual({ kid: expect.any(String), previousKid: null, previousRetiresAt: null });
    const second = await runCli(['keys', 'rotate'], env);
    expect(second.json()).toMatchObject({ previousKid: first.json().kid, previousRetiresAt: expect.any(String) });

    const list = await runCli(['keys', 'list'], env);
    const keys = list.json<Array<Record<string, unknown>>>();
    expect(keys.map((k) => [k.kid, k.current])).toEqual([
      [second.json().kid, true],
      [first.json().kid, false],
    ]);
    expect(list.stdout).not.toMatch(/"d"|"n"/);
  });

  it('refuses a bad --retire-after', async () => {
    const result = await runCli(['keys', 'rotate', '--retire-after', 'soon'], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--retire-after must be a whole number of seconds/);
  });
});
