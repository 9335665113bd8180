import { Command, InvalidArgumentError, Option } from 'commander';
import { issueLocalToken, ROLES } from '@journey/platform';
import type { Role } from '@journey/platform';

const SPAN = /^\d+\s*(s|m|h|d)$/;

function role(value: string, previous: Role[] = []): Role[] {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown role "${value}" (one of: ${ROLES.join(', ')})`);
  }
  return [...previous, value as Role];
}

/** `journey token`: prints a bearer token signed with the local development key. */
export function tokenCommand(): Command {
  return new Command('token')
    .description(
      'Print a bearer token signed with the local development key (.local/auth), for calling the APIs',
    )
    .addOption(
      new Option('-r, --role <role>', `a role to grant, repeatable (${ROLES.join(', ')})`)
        .argParser(role)
        .makeOptionMandatory(),
    )
    .option('-s, --subject <id>', 'who the token speaks for', 'local-developer')
    .option('-t, --ttl <span>', 'lifetime: a number and s, m, h or d', '8h')
    .option(
      '--key-file <path>',
      'signing key file (env AUTH_LOCAL_KEY_FILE)',
      process.env['AUTH_LOCAL_KEY_FILE'] ?? '.local/auth/signing-key.json',
    )
    .option('--issuer <iss>', 'issuer claim (env AUTH_ISSUER)', process.env['AUTH_ISSUER'] ?? 'journey-local')
    .option(
      '--audience <aud>',
      'audience claim (env AUTH_AUDIENCE)',
      process.env['AUTH_AUDIENCE'] ?? 'journey',
    )
    .addHelpText(
      'after',
      '\nExample:\n  curl -H "Authorization: Bearer $(npx journey token --role admin)" http://127.0.0.1:3103/v1/me',
    )
    .action(
      async (opts: {
        role: Role[];
        subject: string;
        ttl: string;
        keyFile: string;
        issuer: string;
        audience: string;
      }) => {
        if (!SPAN.test(opts.ttl)) throw new Error(`--ttl must look like 30m, 8h or 7d (got "${opts.ttl}")`);
        const token = await issueLocalToken({
          keyFile: opts.keyFile,
          issuer: opts.issuer,
          audience: opts.audience,
          subject: opts.subject,
          roles: [...new Set(opts.role)],
          expiresIn: opts.ttl.replace(/\s+/g, ''),
        });
        process.stdout.write(`${token}\n`);
      },
    );
}
