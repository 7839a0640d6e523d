/**
 * Endpoints carry credentials (Heroku's metrics URL has a token in its path; users put
 * `user:pass@` and `?token=` in theirs). Anything printed names an endpoint only through this.
 */
export function redactEndpoint(endpoint: string | URL): string {
  let url: URL;
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : endpoint;
  } catch {
    return '<unparseable endpoint>';
  }
  const host = url.host;
  const path = url.pathname && url.pathname !== '/' ? '/…' : '';
  return host ? `${url.protocol}//${host}${path}` : url.protocol;
}

/** Removes any of the endpoint's secrets from free text (e.g. an error message from a library). */
export function scrubSecrets(text: string, endpoint: string | URL): string {
  let url: URL;
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : endpoint;
  } catch {
    return text;
  }
  const secrets = [url.href, url.username, url.password, url.search, url.pathname.length > 1 ? url.pathname : '']
    .flatMap((s) => [s, safeDecode(s)])
    .filter((s) => s.length >= 3)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
