import { z } from 'zod';
import { ROLES } from './model.js';

export const orgIdSchema = z.string().regex(/^org_[A-Za-z0-9_-]{10,40}$/, 'is not an organization id');
export const roleSchema = z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` });

export const createOrganizationSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  description: z.string().trim().max(1000, 'must be at most 1000 characters').optional(),
});
export type CreateOrganizationInput = z.input<typeof createOrganizationSchema>;
