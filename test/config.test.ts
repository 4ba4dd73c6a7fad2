import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/orgauth',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SECRET_KEY: 'x'.repeat(32),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({ port: 3000, issuer: 'http://localhost:3000', env: 'development', logLevel: 'info' });
  });

  it('derives the issuer from PORT and strips a trailing slash from ISSUER', () => {
    expect(loadConfig({ ...valid, PORT: '4100' }).issuer).toBe('http://localhost:4100');
    expect(loadConfig({ ...valid, ISSUER: 'https://auth.example.com/' }).issuer).toBe('https://auth.example.com');
  });

  it('lists every bad variable in one error', () => {
    const problems = problemsOf({ PORT: 'eighty', REDIS_URL: 'http://nope', LOG_LEVEL: 'loud', ISSUER: 'not a url' });
    const names = problems.map((p) => p.split(' ')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['PORT', 'REDIS_URL', 'LOG_LEVEL', 'ISSUER', 'MONGODB_URI', 'SECRET_KEY']),
    );
    expect(problems.find((p) => p.startsWith('MONGODB_URI'))).toBe('MONGODB_URI is required');
  });

  it('refuses a short secret and an http issuer in production', () => {
    const problems = problemsOf({
      ...valid,
      NODE_ENV: 'production',
      SECRET_KEY: 'short',
      ISSUER: 'http://auth.example.com',
    });
    expect(problems.some((p) => p.startsWith('SECRET_KEY must be at least 32 characters'))).toBe(true);
    expect(problems).toContain('ISSUER must be https in production');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...valid, PORT: '' }).port).toBe(3000);
  });
});
