import { errors } from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { chooseGrantedResource } from '../../src/oidc/resource-servers.js';

const A = 'https://a.example.com/mcp';
const B = 'https://b.example.com/api';

describe('the resource of a token request that names none (RFC 8707)', () => {
  it('is the one resource granted, or the configured default at the authorization endpoint', () => {
    expect(chooseGrantedResource(A, undefined)).toBe(A);
    expect(chooseGrantedResource([A], B)).toBe(A);
    expect(chooseGrantedResource(undefined, B)).toBe(B);
    expect(chooseGrantedResource(undefined, undefined)).toBeUndefined();
  });

  it('is the configured default when several were granted and it is one of them', () => {
    expect(chooseGrantedResource([A, B], B)).toBe(B);
  });

  it('is refused with invalid_target naming the choices otherwise', () => {
    for (const configured of [undefined, 'https://elsewhere.example.com/']) {
      let refusal: unknown;
      try {
        chooseGrantedResource([A, B], configured);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(errors.InvalidTarget);
      expect((refusal as { error_description: string }).error_description).toContain(`${A}, ${B}`);
    }
  });
});
