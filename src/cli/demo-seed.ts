import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Provider from 'oidc-provider';
import { recordAudit } from '../audit/service.js';
import { registerOrgClient } from '../oidc/clients.js';
import { createOrganization, listUserOrganizations } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { localDataDir } from '../stores/local/index.js';
import { findUserByEmail, setPlatformAdmin, signUp } from '../users/service.js';

export interface DemoAccount {
  email: string;
  password: string;
  personalOrgId: string;
  companyOrgId: string;
  clientId: string;
  redirectUri: string;
}

interface SavedDemo {
  password: string;
  clientId?: string;
}

const DEMO_EMAIL = 'demo@orgauth.test';
const COMPANY = 'Acme Inc';

const REDIRECT_URI = 'http://127.0.0.1/callback';

/**
 * Creates (once) a demo person with a generated password, a company organization they own and a
 * public native OAuth client (loopback redirect on any port) to try the flow with.
 */
export async function seedDemo(db: Db, provider: Provider): Promise<DemoAccount> {
  const file = join(localDataDir, 'demo.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SavedDemo) : undefined;
  let user = await findUserByEmail(db, DEMO_EMAIL);
  let password = saved?.password;
  if (!user || !password) {
    password = randomBytes(9).toString('base64url');
    if (user) throw new Error(`the demo user exists but its password was lost; delete .data/ferretdb to reseed`);
    user = await signUp(db, { email: DEMO_EMAIL, password, name: 'Demo Person' });
  }
  if (!user.platformAdmin) user = await setPlatformAdmin(db, DEMO_EMAIL, true);
  const orgs = await listUserOrganizations(db, user._id);
  let company = orgs.find((o) => o.organization.name === COMPANY)?.organization;
  if (!company) {
    company = await createOrganization(db, { name: COMPANY, description: 'Demo company organization' }, user._id);
    await recordAudit(db, {
      orgId: company._id,
      actor: { type: 'system', id: 'demo-seed' },
      action: 'org.created',
      target: { type: 'organization', id: company._id },
      data: { ownerId: user._id },
    });
  }
  let clientId = saved?.clientId;
  if (!clientId || !(await provider.Client.find(clientId))) {
    const created = await registerOrgClient(provider, db, {
      name: 'Demo CLI',
      redirectUris: [REDIRECT_URI],
      public: true,
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    clientId = created.client_id;
  }
  writeFileSync(file, JSON.stringify({ password, clientId } satisfies SavedDemo), { mode: 0o600 });
  return {
    email: DEMO_EMAIL,
    password,
    personalOrgId: user.personalOrgId,
    companyOrgId: company._id,
    clientId,
    redirectUri: REDIRECT_URI,
  };
}
