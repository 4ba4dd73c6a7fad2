// Route oidc-provider's console notices away from test output, as the server and CLI do.
import './src/oidc/notices.js';
