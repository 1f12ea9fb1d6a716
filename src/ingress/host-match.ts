// Host names as the Ingress spec compares them: case-insensitively, without the port, and
// with `*.example.com` standing for exactly one extra leading label (IngressRule.host docs:
// `*.foo.com` matches `bar.foo.com` but not `baz.bar.foo.com` nor `foo.com`).

/** The host of a Host header or SNI name: lower case, no port, no trailing dot ('' if absent). */
export function normalizeHost(value: string | undefined): string {
  if (!value) return '';
  let host = value.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** The wildcard rule host that would cover `host` (`a.b.com` → `*.b.com`), if it has a parent. */
export function wildcardFor(host: string): string | undefined {
  const dot = host.indexOf('.');
  if (dot <= 0 || dot === host.length - 1) return undefined;
  return `*${host.slice(dot)}`;
}

/** Whether a rule host (exact or `*.` wildcard) covers a request host. */
export function hostMatches(ruleHost: string, host: string): boolean {
  const rule = ruleHost.toLowerCase();
  return rule.startsWith('*.') ? wildcardFor(host) === rule : rule === host;
}
