// Run in the fresh project with nothing but the packed orgauth: verifies a real token with the core,
// then shows that revocationFeed asks for ioredis (loaded only when used).
import { createOrgVerifier, revocationFeed } from 'orgauth/verify';

const { ISSUER, AUDIENCE, TOKEN, ORG_ID } = process.env;
const { verifyOrgRequest } = createOrgVerifier({ issuer: ISSUER, audience: AUDIENCE });
const auth = await verifyOrgRequest({
  authorization: `Bearer ${TOKEN}`,
  url: 'http://127.0.0.1/things',
  orgId: ORG_ID,
});
const feed = revocationFeed({ redisUrl: 'redis://127.0.0.1:1', logger: { warn() {} } });
const feedError = await feed.ready().then(
  () => 'started',
  (error) => error.message,
);
process.stdout.write(JSON.stringify({ auth, feedError }));
