import { describe, expect, it } from 'vitest';
import type { ResourceServerDoc } from '../../src/resources/model.js';
import { candidateUris, orgPathProblem, resolveIndicator } from '../../src/resources/resource-urls.js';

const server = (uri: string, extra: Partial<ResourceServerDoc> = {}) =>
  ({
    _id: uri,
    scopes: [],
    orgId: null,
    match: 'exact',
    orgPath: null,
    format: 'jwt',
    accessTokenTtl: 3600,
    createdAt: new Date(),
    ...extra,
  }) as ResourceServerDoc;

const mcpBase = server('https://mcp.example.com/', { match: 'prefix', orgPath: '/orgs/{orgId}/' });

describe('resource indicators', () => {
  it('list the indicator, its other slash form and every base above it as candidates', () => {
    expect(candidateUris('https://mcp.example.com/orgs/org_b/mcp')).toEqual(
      expect.arrayContaining([
        'https://mcp.example.com/orgs/org_b/mcp',
        'https://mcp.example.com/orgs/org_b/',
        'https://mcp.example.com/orgs/org_b',
        'https://mcp.example.com/orgs/',
        'https://mcp.example.com/orgs',
        'https://mcp.example.com/',
        'https://mcp.example.com',
      ]),
    );
    expect(candidateUris('https://mcp.example.com')).toEqual(['https://mcp.example.com', 'https://mcp.example.com/']);
  });

  it('match a base only for a canonical URL under it', () => {
    expect(candidateUris('https://mcp.example.com/orgs/a/../b/mcp')).not.toContain('https://mcp.example.com/');
    expect(candidateUris('https://mcp.example.com:443/x')).not.toContain('https://mcp.example.com/');
  });

  it('resolve an exact registration first, with its registered form as the audience', () => {
    const exact = server('https://api.example.com');
    expect(resolveIndicator('https://api.example.com/', [exact])).toMatchObject({
      audience: 'https://api.example.com',
      urlOrgId: undefined,
    });
    expect(resolveIndicator('https://api.example.com/v1', [exact])).toBeNull();
  });

  it('resolve a URL under a base to the exact URL asked for and the organization it names', () => {
    expect(resolveIndicator('https://mcp.example.com/orgs/org_b/mcp', [mcpBase])).toMatchObject({
      server: { _id: 'https://mcp.example.com/' },
      audience: 'https://mcp.example.com/orgs/org_b/mcp',
      urlOrgId: 'org_b',
    });
    expect(resolveIndicator('https://mcp.example.com/orgs/org_b', [mcpBase])?.urlOrgId).toBe('org_b');
  });

  it('refuse a URL under a templated base that names no organization where the template says', () => {
    expect(resolveIndicator('https://mcp.example.com/other/mcp', [mcpBase])).toBeNull();
    expect(resolveIndicator('https://mcp.example.com/orgsx/org_b/mcp', [mcpBase])).toBeNull();
  });

  it('keep segment boundaries: a base without a trailing slash does not cover a longer segment', () => {
    const base = server('https://h.example.com/api', { match: 'prefix' });
    expect(resolveIndicator('https://h.example.com/api/v1', [base])?.audience).toBe('https://h.example.com/api/v1');
    expect(resolveIndicator('https://h.example.com/apis', [base])).toBeNull();
  });

  it('prefer the longest base', () => {
    const outer = server('https://h.example.com/', { match: 'prefix' });
    const inner = server('https://h.example.com/team/', { match: 'prefix', orgPath: '{orgId}' });
    expect(resolveIndicator('https://h.example.com/team/org_x/mcp', [outer, inner])).toMatchObject({
      server: { _id: 'https://h.example.com/team/' },
      urlOrgId: 'org_x',
    });
  });

  it('accept org path templates with one whole {orgId} segment only', () => {
    expect(orgPathProblem('/orgs/{orgId}/')).toBeUndefined();
    expect(orgPathProblem('{orgId}/mcp')).toBeUndefined();
    expect(orgPathProblem('/orgs/')).toContain('{orgId}');
    expect(orgPathProblem('/orgs/x{orgId}/')).toContain('{orgId}');
    expect(orgPathProblem('/{orgId}/{orgId}')).toContain('once');
    expect(orgPathProblem('/a b/{orgId}')).toContain('plain segments');
  });
});
