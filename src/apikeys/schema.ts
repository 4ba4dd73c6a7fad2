import { z } from 'zod';

const scopeToken = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  scopes: z.array(z.string().regex(scopeToken, 'contains an invalid scope')).max(50).default([]),
  teamId: z
    .string()
    .regex(/^team_[A-Za-z0-9_-]{10,40}$/, 'is not a team id')
    .optional()
    .describe('a team of the organization: debits made with the key name it'),
  expiresAt: z.coerce
    .date({ error: 'must be a date-time' })
    .refine((d) => d.getTime() > Date.now(), 'must be in the future')
    .optional(),
});
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;
