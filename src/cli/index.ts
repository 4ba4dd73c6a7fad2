// Must stay first: it routes oidc-provider's console notices away from the JSON on stdout.
import '../oidc/notices.js';
import { Command } from 'commander';
import { registerClientCommands } from './clients.js';
import { registerCreditCommands } from './credits.js';
import { registerDevCommand } from './dev.js';
import { registerKeyCommands } from './keys.js';
import { registerApiKeyCommands } from './keys-for-people.js';
import { registerOrgCommands } from './orgs.js';
import { registerRegistrationCommands } from './registration.js';
import { registerUserCommands } from './users.js';

const program = new Command('orgauth')
  .description('Orgauth operator commands. Output is JSON on stdout; errors are one line on stderr.')
  .showHelpAfterError(false)
  // Commander's own errors (a missing option, an unknown command) read like every other error here.
  .configureOutput({
    outputError: (text, write) =>
      write(
        `orgauth: ${text
          .replace(/^error: /, '')
          .trim()
          .replace(/\s*\n\s*/g, ' ')}\n`,
      ),
  });

registerUserCommands(program);
registerOrgCommands(program);
registerClientCommands(program);
registerKeyCommands(program);
registerCreditCommands(program);
registerApiKeyCommands(program);
registerRegistrationCommands(program);
registerDevCommand(program);

await program.parseAsync(process.argv);
