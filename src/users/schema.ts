import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password.js';

export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'is not a valid email address' }));
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);
export const nameSchema = z.string().trim().max(200);

export const signUpSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema.optional(),
});
export type SignUpInput = z.input<typeof signUpSchema>;

/** Case-insensitive identity of an email: trimmed, Unicode-normalised, lower-cased. */
export function emailKey(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}
