// Contoso Team SPA: MSAL.js (auth code + PKCE, refresh tokens in the browser) and fetch() to
// Microsoft Graph, with the production authority and Graph host.
const TENANT = 'c0a70550-0000-4000-8000-000000000001';
const CLIENT_ID = 'c0a70550-a990-4000-8000-000000000308';
const SCOPES = ['User.Read'];
const $ = (id) => document.getElementById(id);

const pca = new msal.PublicClientApplication({
  auth: {
    clientId: CLIENT_ID,
    authority: `https://login.microsoftonline.com/${TENANT}`,
    redirectUri: `${location.origin}/`,
  },
  cache: { cacheLocation: 'sessionStorage' },
});

async function graph(path, accessToken) {
  const response = await fetch(`https://graph.microsoft.com${path}`, {
    headers: {
      Authorization: `Bearer ${accessToken}`,
      'client-request-id': crypto.randomUUID(),
      ConsistencyLevel: 'eventual',
    },
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`Graph ${response.status} ${body.error?.code}: ${body.error?.message}`);
  return { body, requestId: response.headers.get('request-id') };
}

async function showMe(account, forceRefresh) {
  const { accessToken } = await pca.acquireTokenSilent({ scopes: SCOPES, account, forceRefresh });
  const me = await graph('/v1.0/me', accessToken);
  $('me-name').textContent = me.body.displayName;
  $('me-upn').textContent = me.body.userPrincipalName;
  $('request-id').textContent = me.requestId ?? '(not readable)';
  const profile = await graph('/beta/me/profile?$select=webAccounts', accessToken);
  const linkedIn = profile.body.webAccounts.find((a) => a.service?.name === 'LinkedIn');
  $('linkedin-account').textContent = linkedIn ? linkedIn.webUrl : 'none';
  const back = `${location.origin}/`;
  $('connect-linkedin').href = `https://login.microsoftonline.com/_tenantsim/tenants/${TENANT}/linkedIn/connect`
    + `?user=${encodeURIComponent(me.body.userPrincipalName)}&returnTo=${encodeURIComponent(back)}`;
  return me;
}

async function main() {
  await pca.initialize();
  const result = await pca.handleRedirectPromise();
  const account = result?.account ?? pca.getAllAccounts()[0];
  if (!account) {
    $('sign-in').hidden = false;
    $('status').textContent = 'Not signed in';
    return;
  }
  await showMe(account, false);
  const outcome = new URLSearchParams(location.search).get('linkedIn');
  if (outcome) $('linkedin-outcome').textContent = `(LinkedIn connection: ${outcome})`;
  $('refresh').onclick = async () => {
    $('refreshed').textContent = '';
    try {
      await showMe(account, true);
      $('refreshed').textContent = 'Refreshed';
    } catch (e) {
      $('refreshed').textContent = `Error: ${e.message ?? e}`;
    }
  };
  $('signed-in').hidden = false;
  $('status').textContent = 'Ready';
}

$('sign-in').onclick = () => pca.loginRedirect({ scopes: SCOPES });
main().catch((e) => { $('status').textContent = `Error: ${e.errorCode ?? ''} ${e.message ?? e}`; });
