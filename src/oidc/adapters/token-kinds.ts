/** Models whose records oidc-provider looks up by a bare token value when it does not know the kind. */
export const TOKEN_MODELS = new Set(['AccessToken', 'ClientCredentials', 'RefreshToken']);

const MAX_REMEMBERED = 50_000;

/**
 * Which model a token id belongs to, for ids this process wrote or found. Introspection without a
 * `token_type_hint` asks the access-token, client-credentials and refresh-token models for the same
 * value; once the id is known to be one of them, the others are answered "not found" without a
 * database read. An id's model never changes (ids are random and unique across models), so this
 * needs no invalidation; an id it does not know is read from every model as before.
 */
export class TokenKinds {
  private readonly models = new Map<string, string>();

  learn(id: string, model: string): void {
    if (!TOKEN_MODELS.has(model) || this.models.has(id)) return;
    this.models.set(id, model);
    if (this.models.size > MAX_REMEMBERED) this.models.delete(this.models.keys().next().value as string);
  }

  /** True when the id is known to belong to another token model. */
  belongsElsewhere(id: string, model: string): boolean {
    const known = this.models.get(id);
    return known !== undefined && known !== model && TOKEN_MODELS.has(model);
  }
}
