// Build step: writes the OpenAPI schema definitions of every built-in API type to
// dist/src/apiserver/openapi/definitions.generated.json (or the path given as argv[2]).
//
// Sources (both devDependencies, read only here, never at run time):
//  - kubernetes-types' .d.ts files: which types and fields exist, descriptions (JSDoc),
//    required fields (non-optional properties), $refs between types, group/version/kind
//    (the literal types of `apiVersion` and `kind`);
//  - @kubernetes/client-node's model classes: numeric and byte formats (attributeTypeMap).
// Patch/list extensions come from ./openapi-list-annotations.mjs.
//
// Output shape: { source: {...}, definitions: { '<upstream name>': <swagger 2.0 schema> } }
// with $refs written as '#/definitions/<name>'; the runtime rewrites them for OpenAPI v3.
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { listAnnotations, parseListAnnotation } from './openapi-list-annotations.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(repoRoot, 'package.json'));
const typesRoot = dirname(require.resolve('kubernetes-types/package.json'));
const outFile = process.argv[2] ?? join(repoRoot, 'dist/src/apiserver/openapi/definitions.generated.json');

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** kubernetes-types module path ("apps/v1") → upstream Go package prefix of its definitions. */
function packagePrefix(module) {
  switch (module) {
    case 'meta/v1': return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource': return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime': return 'io.k8s.apimachinery.pkg.runtime';
    case 'version': return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1': return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default: return `io.k8s.api.${module.replace('/', '.')}`;
  }
}

// ---- parsing kubernetes-types .d.ts files ----

function listModules(dir, base = dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listModules(full, base));
    else if (entry.endsWith('.d.ts')) out.push(relative(base, full).slice(0, -'.d.ts'.length));
  }
  return out.sort();
}

/** Turns a JSDoc block (with its delimiters) into plain text, paragraphs kept. */
function jsdocText(lines) {
  const text = lines.join('\n')
    .replace(/^\s*\/\*\*\s?/, '')
    .replace(/\s*\*\/\s*$/, '');
  return text.split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim();
}

/**
 * Parses one generated .d.ts module into its imports, interfaces and type aliases.
 * The files are machine-written with one member per line (maps span several lines),
 * so a line-oriented reader suffices.
 */
function parseModule(module) {
  const src = readFileSync(join(typesRoot, `${module}.d.ts`), 'utf8');
  const lines = src.split('\n');
  const imports = new Map(); // local name → module
  const types = new Map(); // name → { kind: 'interface' | 'alias', description, props?, aliasOf? }
  let doc;
  let current;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (!trimmed) continue;
    let m;
    if ((m = /^import \{([^}]*)\} from "(.*)";$/.exec(trimmed))) {
      const from = join(dirname(module), m[2]).replace(/\\/g, '/');
      for (const name of m[1].split(',').map((s) => s.trim()).filter(Boolean)) imports.set(name, from);
      continue;
    }
    if (trimmed.startsWith('/**')) {
      const block = [line];
      while (!lines[i].includes('*/')) block.push(lines[++i]);
      doc = jsdocText(block);
      continue;
    }
    if ((m = /^export interface (\w+) \{(\})?$/.exec(trimmed))) {
      current = { kind: 'interface', description: doc, props: [] };
      types.set(m[1], current);
      doc = undefined;
      if (m[2]) current = undefined;
      continue;
    }
    if ((m = /^export type (\w+) = (.*);$/.exec(trimmed))) {
      types.set(m[1], { kind: 'alias', description: doc, aliasOf: m[2] });
      doc = undefined;
      continue;
    }
    if (trimmed === '}' && current) {
      current = undefined;
      continue;
    }
    if (current && (m = /^(?:readonly )?("?)([\w$-]+)\1(\??): (.*)$/.exec(trimmed))) {
      let type = m[4];
      // A map type spans lines until its closing "};".
      while (!type.endsWith(';') || (type.split('{').length > type.split('}').length)) type += ' ' + lines[++i].trim();
      current.props.push({ name: m[2], optional: m[3] === '?', type: type.slice(0, -1).trim(), description: doc });
      doc = undefined;
      continue;
    }
    throw new Error(`${module}.d.ts:${i + 1}: cannot parse: ${trimmed}`);
  }
  return { module, imports, types };
}

// ---- formats from @kubernetes/client-node ----

// Only the model classes: the package's entry point also loads its HTTP stack.
const clientNodeRoot = join(dirname(require.resolve('@kubernetes/client-node')), 'gen/models/all.js');
const clientNode = await import(pathToFileURL(clientNodeRoot).href);

function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Finds the client-node model class generated for a kubernetes-types interface. */
function clientModel(module, name, propNames) {
  const parts = module.split('/');
  const version = parts.length === 2 ? parts[1] : '';
  const group = parts.length === 2 ? parts[0] : '';
  const candidates = version
    ? [`${capitalize(version)}${name}`, `${capitalize(group)}${capitalize(version)}${name}`]
    : [name];
  for (const candidate of candidates) {
    const cls = clientNode[candidate];
    const map = cls?.attributeTypeMap;
    if (!Array.isArray(map)) continue;
    // Guard against a same-named class of another group: most fields must match.
    const names = new Set(map.map((a) => a.baseName));
    const shared = propNames.filter((p) => names.has(p)).length;
    if (propNames.length === 0 || shared * 2 >= propNames.length) {
      return new Map(map.map((a) => [a.baseName, a]));
    }
  }
  return undefined;
}

// ---- schema construction ----

const modules = listModules(typesRoot).map(parseModule);
const byModule = new Map(modules.map((m) => [m.module, m]));

// kubernetes-types loses a field whose upstream comment contains "*/" (it ends the JSDoc
// early) and the x-kubernetes-* fields of JSONSchemaProps; restore them.
const lostFields = {
  'admissionregistration/v1 RuleWithOperations': ruleResourceFields(),
  'admissionregistration/v1 NamedRuleWithOperations': ruleResourceFields(),
  'admissionregistration/v1beta1 NamedRuleWithOperations': ruleResourceFields(),
  'admissionregistration/v1alpha1 NamedRuleWithOperations': ruleResourceFields(),
  'authorization/v1 ResourceRule': [
    { name: 'resources', optional: true, type: 'Array<string>', description: 'Resources is a list of resources this rule applies to. "*" means all in the specified apiGroups; "*/foo" means the subresource foo of all resources.' },
    { name: 'verbs', optional: false, type: 'Array<string>', description: 'Verb is a list of kubernetes resource API verbs, like: get, list, watch, create, update, delete, proxy. "*" means all.' },
  ],
  'apiextensions/v1 JSONSchemaProps': [
    { name: 'x-kubernetes-embedded-resource', optional: true, type: 'boolean', description: 'x-kubernetes-embedded-resource marks an object that is a complete Kubernetes object (apiVersion, kind, metadata are validated and kept).' },
    { name: 'x-kubernetes-int-or-string', optional: true, type: 'boolean', description: 'x-kubernetes-int-or-string allows either an integer or a string at this place.' },
    { name: 'x-kubernetes-list-map-keys', optional: true, type: 'Array<string>', description: 'x-kubernetes-list-map-keys names the fields that identify an item of a list of type "map".' },
    { name: 'x-kubernetes-list-type', optional: true, type: 'string', description: 'x-kubernetes-list-type says how a list is merged: atomic (default), set or map.' },
    { name: 'x-kubernetes-map-type', optional: true, type: 'string', description: 'x-kubernetes-map-type says how an object is merged: granular (default) or atomic.' },
    { name: 'x-kubernetes-preserve-unknown-fields', optional: true, type: 'boolean', description: 'x-kubernetes-preserve-unknown-fields stops the API server from pruning fields not given in the schema.' },
    { name: 'x-kubernetes-validations', optional: true, type: 'Array<ValidationRule>', description: 'x-kubernetes-validations lists CEL validation rules applied to this value.' },
  ],
};
function ruleResourceFields() {
  return [
    { name: 'resources', optional: true, type: 'Array<string>', description: 'Resources is a list of resources this rule applies to. "*" means all resources, "pods/*" all subresources of pods, "*/scale" the scale subresource of all resources.' },
    { name: 'scope', optional: true, type: 'string', description: 'scope restricts the rule to "Cluster"-scoped, "Namespaced" or all ("*") resources. Default "*".' },
  ];
}
for (const [key, fields] of Object.entries(lostFields)) {
  const [module, type] = key.split(' ');
  const t = byModule.get(module)?.types.get(type);
  if (!t?.props) throw new Error(`lost fields for unknown type ${key}`);
  for (const f of fields) if (!t.props.some((p) => p.name === f.name)) t.props.push(f);
  t.props.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
const stats = { definitions: 0, numbersWithoutFormat: [] };

function resolveName(mod, name) {
  if (mod.types.has(name)) return `${packagePrefix(mod.module)}.${name}`;
  const from = mod.imports.get(name);
  if (from && byModule.get(from)?.types.has(name)) return `${packagePrefix(from)}.${name}`;
  throw new Error(`${mod.module}: unresolved type ${name}`);
}

/** Schema of a TypeScript type expression; `format` is client-node's format for the field. */
function schemaOf(mod, type, format, where) {
  type = type.trim();
  let m;
  if ((m = /^Array<(.*)>$/.exec(type)) || (m = /^(\w+)\[\]$/.exec(type))) {
    return { type: 'array', items: schemaOf(mod, m[1], format, where) };
  }
  if ((m = /^\{\s*\[\w+: string\]: (.*?);?\s*\}$/.exec(type))) {
    return { type: 'object', additionalProperties: schemaOf(mod, m[1], format, where) };
  }
  if (type === 'number | string' || type === 'string | number') return { $ref: `#/definitions/${INT_OR_STRING}` };
  if (type === 'string' || /^"[^"]*"$/.test(type)) return format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'number') {
    if (format === 'double' || format === 'float') return { type: 'number', format: 'double' };
    if (format === 'int32' || format === 'int64') return { type: 'integer', format };
    stats.numbersWithoutFormat.push(where);
    return { type: 'integer' };
  }
  if (/^\w+$/.test(type)) return { $ref: `#/definitions/${resolveName(mod, type)}` };
  throw new Error(`${where}: unsupported type ${type}`);
}

/** Group/version/kind of a top-level kind: its apiVersion and kind fields are string literals. */
function gvkOf(props) {
  const apiVersion = /^"(.*)"$/.exec(props.find((p) => p.name === 'apiVersion')?.type ?? '')?.[1];
  const kind = /^"(.*)"$/.exec(props.find((p) => p.name === 'kind')?.type ?? '')?.[1];
  if (!apiVersion || !kind) return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', kind, version: apiVersion }
    : { group: apiVersion.slice(0, slash), kind, version: apiVersion.slice(slash + 1) };
}

// Upstream schemas of types whose JSON form is not their Go struct (custom marshalling).
const specialSchemas = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': { type: 'object' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': { type: 'object' },
  // JSON holds any JSON value, so it has no type (as upstream).
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': {},
};

const definitions = {};
definitions[INT_OR_STRING] = {
  description: 'IntOrString holds either an int32 or a string; in JSON and YAML it is written as whichever of the two it holds, so a field can accept a number or a name.',
  type: 'string',
  format: 'int-or-string',
};

for (const mod of modules) {
  for (const [name, t] of mod.types) {
    const defName = `${packagePrefix(mod.module)}.${name}`;
    const schema = {};
    if (t.description) schema.description = t.description;
    if (defName in specialSchemas) {
      Object.assign(schema, specialSchemas[defName]);
    } else if (t.kind === 'alias') {
      throw new Error(`${defName}: type alias ${t.aliasOf} has no schema mapping`);
    } else {
      const propNames = t.props.map((p) => p.name);
      const attrs = clientModel(mod.module, name, propNames);
      // client-node follows a newer Kubernetes and may have dropped an old alpha/beta
      // version; the same type in another version of the group has the same formats.
      const siblings = modules
        .filter((o) => o !== mod && o.module.split('/')[0] === mod.module.split('/')[0] && o.types.has(name))
        .map((o) => clientModel(o.module, name, propNames))
        .filter(Boolean);
      const formatOf = (prop) => [attrs, ...siblings].map((a) => a?.get(prop)?.format).find((f) => f);
      const properties = {};
      const required = [];
      for (const p of t.props) {
        const prop = schemaOf(mod, p.type, formatOf(p.name), `${defName}.${p.name}`);
        const out = p.description ? { description: p.description, ...prop } : prop;
        const annotation = listAnnotations[`${mod.module} ${name}.${p.name}`];
        if (annotation) Object.assign(out, parseListAnnotation(annotation));
        properties[p.name] = out;
        if (!p.optional) required.push(p.name);
      }
      if (required.length) schema.required = required;
      schema.type = 'object';
      if (t.props.length) schema.properties = properties;
      const gvk = gvkOf(t.props);
      if (gvk) schema['x-kubernetes-group-version-kind'] = [gvk];
    }
    definitions[defName] = schema;
  }
}

// Every table entry must name a real field, or a typo would silently drop an annotation.
for (const key of Object.keys(listAnnotations)) {
  const [module, path] = key.split(' ');
  const [type, field] = path.split('.');
  const props = byModule.get(module)?.types.get(type)?.props;
  if (!props?.some((p) => p.name === field)) throw new Error(`list annotation for unknown field: ${key}`);
}

const sorted = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
stats.definitions = Object.keys(sorted).length;
const typesVersion = JSON.parse(readFileSync(join(typesRoot, 'package.json'), 'utf8')).version;
const out = { source: { 'kubernetes-types': typesVersion }, definitions: sorted };
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(out));
if (process.env.OPENAPI_GEN_VERBOSE) {
  process.stderr.write(`${stats.definitions} definitions; numbers without a format: ${stats.numbersWithoutFormat.join(', ') || 'none'}\n`);
}
