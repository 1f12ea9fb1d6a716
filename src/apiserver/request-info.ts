// Parses a request path into what it addresses, as upstream's RequestInfoFactory does.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Remaining path segments after the subresource (e.g. proxy paths). */
  rest: string[];
}

const namespaceSubresources = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path: pathname,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    rest: [],
  };
  const parts = pathname.split('/').filter((p) => p !== '');
  // Most paths have nothing escaped; decodeURIComponent is the costly part of this function.
  if (pathname.includes('%')) for (let i = 0; i < parts.length; i++) parts[i] = decodeURIComponent(parts[i]!);
  if (parts.length === 0 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  info.apiPrefix = parts.shift()!;
  if (info.apiPrefix === 'apis') {
    if (parts.length < 2) return info; // /apis or /apis/<group> discovery
    info.group = parts.shift()!;
  } else if (parts.length < 1) {
    return info; // /api discovery
  }
  info.version = parts.shift()!;
  if (parts.length === 0) return info; // group/version discovery
  info.isResourceRequest = true;

  let watchPath = false;
  if ((parts[0] as string) === 'watch') {
    watchPath = true;
    parts.shift();
  }
  if ((parts[0] as string) === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      // /namespaces/{name} and /namespaces/{name}/status address the namespace itself.
      if (parts.length > 2 && !namespaceSubresources.has(parts[2])) parts.splice(0, 2);
    }
  }
  info.resource = parts[0] ?? '';
  info.name = parts[1] ?? '';
  info.subresource = parts[2] ?? '';
  info.rest = parts.slice(3);
  if (info.resource === 'namespaces') info.namespace = '';

  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? 'get' : 'list';
      if (watchPath || isTrue(query.get('watch'))) info.verb = 'watch';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  // As upstream: a list or watch with a metadata.name field selector is a get/watch on that name.
  return info;
}

export function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}
