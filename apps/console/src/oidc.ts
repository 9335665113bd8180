/**
 * Sign-in with the organisation's OpenID Connect provider: the authorization code flow with PKCE (RFC
 * 7636), as a public client (a page has no secret to keep). The access token it yields is what the
 * services verify (AUTH_MODE=oidc); it is kept for the tab only, like a pasted one.
 */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope?: string;
}

interface Pending {
  state: string;
  verifier: string;
  tokenEndpoint: string;
  redirectUri: string;
}

const PENDING_KEY = 'journey-console:oidc';

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Where this page is, as the provider must send the agent back to it (no query, no fragment). */
function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

async function discover(issuer: string): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the provider's discovery document answered ${res.status}`);
  return (await res.json()) as { authorization_endpoint: string; token_endpoint: string };
}

/** Sends the agent to the provider's sign-in page. */
export async function beginSignIn(settings: OidcSettings): Promise<void> {
  const provider = await discover(settings.issuer);
  const verifier = randomText();
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const pending: Pending = {
    state: randomText(16),
    verifier,
    tokenEndpoint: provider.token_endpoint,
    redirectUri: redirectUri(),
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: pending.redirectUri,
    scope: settings.scope ?? 'openid profile',
    state: pending.state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/**
 * Back from the provider (?code=…&state=…): trades the code for an access token, and takes the code out
 * of the address bar. Undefined when this load is not such a return; throws when it is one that fails
 * (a state that is not ours, an error from the provider, a refused code).
 */
export async function completeSignIn(settings: OidcSettings): Promise<string | undefined> {
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  const error = query.get('error');
  if (!code && !error) return undefined;
  history.replaceState(null, '', `${location.pathname}#/`);
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as Pending | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (error) throw new Error(`the provider refused the sign-in: ${error}`);
  if (!pending || query.get('state') !== pending.state)
    throw new Error('this sign-in was not started here (its state does not match): sign in again');
  const res = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code as string,
      redirect_uri: pending.redirectUri,
      client_id: settings.clientId,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!res.ok || !body.access_token)
    throw new Error(`the provider did not give a token (${body.error ?? res.status})`);
  return body.access_token;
}
