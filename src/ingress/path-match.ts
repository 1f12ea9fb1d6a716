// Ingress path matching (networking.k8s.io/v1 HTTPIngressPath):
// - Exact: the URL path equals the path, case-sensitively.
// - Prefix: element-wise prefix on `/`-separated elements, trailing `/` ignored, so `/foo`
//   matches `/foo`, `/foo/` and `/foo/bar` but not `/foobar`; `/` matches everything.
// - ImplementationSpecific: ours is Prefix (documented; ingress-nginx treats it as a prefix too).

export type MatchType = 'Exact' | 'Prefix';

export function matchTypeOf(pathType: string | undefined): MatchType {
  return pathType === 'Exact' ? 'Exact' : 'Prefix';
}

/** The path a rule is stored under: Prefix paths lose trailing slashes (`/` stays `/`). */
export function normalizeRulePath(path: string | undefined, type: MatchType): string {
  const p = path && path.length > 0 ? path : '/';
  if (type === 'Exact') return p;
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Whether `requestPath` matches a rule path already normalized by normalizeRulePath. */
export function pathMatches(rulePath: string, type: MatchType, requestPath: string): boolean {
  if (type === 'Exact') return requestPath === rulePath;
  if (rulePath === '/') return true;
  return requestPath === rulePath || requestPath.startsWith(`${rulePath}/`);
}
