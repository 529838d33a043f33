import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads a compiled ARM template the way Resource Manager would, for the subset of the template
 * language Bicep emits for infra/: expressions (`[fn(...)]`, property and index access, lambdas),
 * parameters, variables, copy loops, conditions and nested deployments (modules, inner scope).
 * What only exists at deployment time (`reference()` of a resource, principal ids, endpoints) is
 * an {@link Unknown} carrying the expression text, so tests can still say where it comes from.
 */

const REPO = path.resolve(__dirname, '..', '..', '..');
export const BICEP = path.join(REPO, 'tools', 'bin', 'bicep');

/** Compiles a Bicep file with the project's pinned Bicep CLI (npm run tools); fails if it is missing. */
export function compileBicep(file: string): ArmTemplate {
  if (!existsSync(BICEP))
    throw new Error(
      `The Bicep CLI is not installed (${BICEP} is missing): run \`npm run tools\` (needs the .NET SDK).`,
    );
  return JSON.parse(
    execFileSync(BICEP, ['build', path.join(REPO, file), '--stdout'], { encoding: 'utf8' }),
  ) as ArmTemplate;
}

export interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: unknown }>;
}
interface ArmResource {
  type: string;
  name: string;
  condition?: unknown;
  copy?: { name: string; count: unknown };
  scope?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: unknown;
  sku?: unknown;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A value known only at deployment time. */
export class Unknown {
  constructor(readonly text: string) {}
  toString(): string {
    return `<${this.text}>`;
  }
}

/** One resource as deployed, every expression evaluated. */
export interface DeployedResource {
  readonly type: string;
  /** Full name (`account/default/queue`). */
  readonly name: string;
  /** Resource group and subscription it lands in. */
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  readonly location: unknown;
  readonly sku: unknown;
  /** For extension resources (role assignments): the evaluated `scope`. */
  readonly scope: unknown;
  readonly properties: Record<string, unknown>;
  readonly tags: unknown;
  /** The module path (`functionapp`, `apimrole-0`). */
  readonly deployment: string;
}

export interface Deployment {
  readonly resources: DeployedResource[];
  readonly outputs: Record<string, unknown>;
}

interface Scope {
  params: Record<string, unknown>;
  variables: Record<string, unknown>;
  template: ArmTemplate;
  copyIndex?: number;
  lambdas: Record<string, unknown>;
  rg: string;
  sub: string;
  deployments: Map<string, Record<string, unknown>>;
}

// ------------------------------------------------------------------ expression parser
type Node =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'prop'; of: Node; name: string; optional: boolean }
  | { k: 'index'; of: Node; index: Node; optional: boolean };

function parseExpression(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) throw new Error(`ARM expression: expected '${c}' at ${i} in ${text}`);
    i++;
  };
  const primary = (): Node => {
    ws();
    const c = text[i]!;
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`ARM expression: open string in ${text}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      return { k: 'str', v: s };
    }
    if (/[-0-9]/.test(c)) {
      const m = /^-?\d+/.exec(text.slice(i))!;
      i += m[0].length;
      return { k: 'num', v: Number(m[0]) };
    }
    const m = /^[A-Z_][\w.]*/i.exec(text.slice(i));
    if (m === null) throw new Error(`ARM expression: unexpected '${c}' at ${i} in ${text}`);
    i += m[0].length;
    expect('(');
    const args: Node[] = [];
    ws();
    if (text[i] === ')') i++;
    else {
      for (;;) {
        args.push(postfix());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(')');
        break;
      }
    }
    return { k: 'call', name: m[0].toLowerCase(), args };
  };
  const postfix = (): Node => {
    let node = primary();
    for (;;) {
      ws();
      const optional = text[i] === '?';
      const at = optional ? i + 1 : i;
      if (text[at] === '.') {
        i = at + 1;
        const m = /^[A-Z_$][\w$-]*/i.exec(text.slice(i))!;
        i += m[0].length;
        node = { k: 'prop', of: node, name: m[0], optional };
      } else if (text[at] === '[') {
        i = at + 1;
        const index = postfix();
        expect(']');
        node = { k: 'index', of: node, index, optional };
      } else return node;
    }
  };
  const node = postfix();
  ws();
  if (i !== text.length) throw new Error(`ARM expression: trailing text at ${i} in ${text}`);
  return node;
}

// ------------------------------------------------------------------ evaluation
const isUnknown = (v: unknown): v is Unknown => v instanceof Unknown;
const text = (v: unknown): string =>
  typeof v === 'string' ? v : isUnknown(v) ? v.toString() : JSON.stringify(v);

function access(of: unknown, key: unknown, optional: boolean): unknown {
  if (isUnknown(of)) return new Unknown(`${of.text}.${String(key)}`);
  if (of === null || of === undefined) {
    if (optional) return null;
    throw new Error(`ARM expression: ${String(key)} of ${String(of)}`);
  }
  const value = (of as Record<string, unknown>)[String(key)];
  if (value === undefined && !optional) throw new Error(`ARM expression: no property ${String(key)}`);
  return value ?? null;
}

function evaluateNode(node: Node, scope: Scope): unknown {
  switch (node.k) {
    case 'str':
      return node.v;
    case 'num':
      return node.v;
    case 'prop':
      return access(evaluateNode(node.of, scope), node.name, node.optional);
    case 'index':
      return access(evaluateNode(node.of, scope), evaluateNode(node.index, scope), node.optional);
    case 'call':
      return call(node, scope);
  }
}

function call(node: Extract<Node, { k: 'call' }>, scope: Scope): unknown {
  const arg = (n: number) => evaluateNode(node.args[n]!, scope);
  const all = () => node.args.map((a) => evaluateNode(a, scope));
  const lambdaOf = (n: number) => {
    const l = node.args[n]!;
    if (l.k !== 'call' || l.name !== 'lambda') throw new Error('ARM expression: lambda expected');
    const names = l.args.slice(0, -1).map((a) => evaluateNode(a, scope) as string);
    const body = l.args[l.args.length - 1]!;
    return (...values: unknown[]) =>
      evaluateNode(body, {
        ...scope,
        lambdas: { ...scope.lambdas, ...Object.fromEntries(names.map((name, j) => [name, values[j]])) },
      });
  };
  switch (node.name) {
    case 'parameters': {
      const name = arg(0) as string;
      if (!(name in scope.params)) throw new Error(`ARM expression: parameter ${name} has no value`);
      return scope.params[name];
    }
    case 'variables':
      return variable(arg(0) as string, scope);
    case 'lambdavariables':
      return scope.lambdas[arg(0) as string];
    case 'copyindex':
      if (scope.copyIndex === undefined) throw new Error('ARM expression: copyIndex() outside a loop');
      return scope.copyIndex + (node.args.length > 0 ? (arg(node.args.length - 1) as number) : 0);
    case 'if':
      return arg(0) === true ? arg(1) : arg(2);
    case 'equals': {
      const [a, b] = all();
      return JSON.stringify(a) === JSON.stringify(b);
    }
    case 'not':
      return arg(0) !== true;
    case 'and':
      return all().every((v) => v === true);
    case 'or':
      return all().some((v) => v === true);
    case 'contains': {
      const [c, v] = all();
      if (typeof c === 'string') return c.includes(String(v));
      if (Array.isArray(c)) return c.some((x) => JSON.stringify(x) === JSON.stringify(v));
      return c !== null && typeof c === 'object' && Object.prototype.hasOwnProperty.call(c, String(v));
    }
    case 'empty': {
      const v = arg(0);
      return (
        v === null ||
        v === '' ||
        (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0)
      );
    }
    case 'length': {
      const v = arg(0);
      return Array.isArray(v) || typeof v === 'string' ? v.length : Object.keys(v as object).length;
    }
    case 'format': {
      const [f, ...rest] = all();
      return (f as string).replace(/\{(\d+)\}/g, (_, n: string) => text(rest[Number(n)]));
    }
    case 'concat': {
      const values = all();
      return values.every(Array.isArray) ? values.flat() : values.map(text).join('');
    }
    case 'string': {
      const v = arg(0);
      return typeof v === 'string' ? v : isUnknown(v) ? v.toString() : JSON.stringify(v);
    }
    case 'int':
      return Number(arg(0));
    case 'json':
      return JSON.parse(arg(0) as string) as unknown;
    case 'tolower':
      return text(arg(0)).toLowerCase();
    case 'createarray':
      return all();
    case 'createobject': {
      const values = all();
      const out: Record<string, unknown> = {};
      for (let j = 0; j < values.length; j += 2) out[values[j] as string] = values[j + 1];
      return out;
    }
    case 'union': {
      const values = all();
      if (values.every(Array.isArray)) {
        const out: unknown[] = [];
        for (const v of values.flat())
          if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
        return out;
      }
      return Object.assign({}, ...(values as object[])) as unknown;
    }
    case 'join':
      return (arg(0) as unknown[]).map(text).join(arg(1) as string);
    case 'split':
      return text(arg(0)).split(arg(1) as string);
    case 'last': {
      const v = arg(0) as unknown[];
      return v[v.length - 1];
    }
    case 'first':
      return (arg(0) as unknown[])[0];
    case 'take': {
      const v = arg(0);
      return typeof v === 'string' || Array.isArray(v) ? v.slice(0, arg(1) as number) : v;
    }
    case 'coalesce':
      return all().find((v) => v !== null && v !== undefined) ?? null;
    case 'tryget': {
      const [o, k] = all();
      return o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, String(k))
        ? (o as Record<string, unknown>)[String(k)]
        : null;
    }
    case 'map': {
      const f = lambdaOf(1);
      return (arg(0) as unknown[]).map((v, j) => f(v, j));
    }
    case 'filter': {
      const f = lambdaOf(1);
      return (arg(0) as unknown[]).filter((v, j) => f(v, j) === true);
    }
    case 'uniquestring':
      return createHash('sha256').update(all().map(text).join('|')).digest('hex').slice(0, 13);
    case 'guid':
      return `guid(${all().map(text).join(',')})`;
    case 'resourcegroup':
      return {
        id: `/subscriptions/${scope.sub}/resourceGroups/${scope.rg}`,
        name: scope.rg,
        location: scope.params['$resourceGroupLocation'] ?? new Unknown('resourceGroup().location'),
      };
    case 'subscription':
      return { subscriptionId: scope.sub, tenantId: new Unknown('subscription().tenantId') };
    case 'tenant':
      return { tenantId: new Unknown('tenant().tenantId') };
    case 'environment':
      return {
        suffixes: { storage: 'core.windows.net' },
        authentication: { loginEndpoint: 'https://login.microsoftonline.com/' },
      };
    case 'resourceid':
    case 'subscriptionresourceid': {
      const values = all().map(text);
      const typeAt = values.findIndex((v) => v.includes('/'));
      const prefix = values.slice(0, typeAt);
      const type = values[typeAt]!;
      const names = values.slice(typeAt + 1);
      const [ns, ...types] = type.split('/');
      const segments = types.map((t, j) => `${t}/${names[j] ?? ''}`).join('/');
      const sub =
        prefix.length >= 1 && node.name === 'resourceid' && prefix.length === 2 ? prefix[0] : scope.sub;
      const rg = prefix.length >= 1 && node.name === 'resourceid' ? prefix[prefix.length - 1] : scope.rg;
      return node.name === 'subscriptionresourceid'
        ? `/subscriptions/${scope.sub}/providers/${ns}/${segments}`
        : `/subscriptions/${sub}/resourceGroups/${rg}/providers/${ns}/${segments}`;
    }
    case 'reference': {
      const id = text(arg(0));
      const m = /providers\/Microsoft\.Resources\/deployments\/([^/]+)$/.exec(id);
      const outputs = m === null ? undefined : scope.deployments.get(m[1]!);
      if (outputs !== undefined)
        return { outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])) };
      return new Unknown(`reference(${id})`);
    }
    default:
      throw new Error(`ARM expression: function ${node.name}() is not supported by this reader`);
  }
}

function variable(name: string, scope: Scope): unknown {
  if (!(name in scope.variables)) {
    const raw = scope.template.variables?.[name];
    if (raw === undefined) throw new Error(`ARM expression: variable ${name} is not declared`);
    scope.variables[name] = evaluate(raw, scope);
  }
  return scope.variables[name];
}

/** Evaluates a template value: expression strings, and arrays/objects holding them. */
function evaluate(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    if (value.startsWith('[[')) return value.slice(1);
    if (value.startsWith('[') && value.endsWith(']'))
      return evaluateNode(parseExpression(value.slice(1, -1)), scope);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, scope)]));
  return value;
}

/**
 * Deploys `template` on paper: the resources it would create with `parameters`, nested
 * deployments expanded, in resource group `rg` of subscription `sub`.
 */
export function deploy(
  template: ArmTemplate,
  parameters: Record<string, unknown>,
  where: { rg: string; sub: string; rgLocation: string },
): Deployment {
  const deployments = new Map<string, Record<string, unknown>>();
  const resources: DeployedResource[] = [];
  const run = (
    t: ArmTemplate,
    given: Record<string, unknown>,
    rg: string,
    sub: string,
    path: string,
  ): Record<string, unknown> => {
    const scope: Scope = {
      params: { $resourceGroupLocation: where.rgLocation },
      variables: {},
      template: t,
      lambdas: {},
      rg,
      sub,
      deployments,
    };
    for (const [name, p] of Object.entries(t.parameters ?? {})) {
      if (name in given) scope.params[name] = given[name];
      else if (p.defaultValue !== undefined) scope.params[name] = evaluate(p.defaultValue, scope);
      else throw new Error(`${path || 'main'}: parameter ${name} has no value`);
      const allowed = p.allowedValues;
      if (allowed !== undefined && !allowed.includes(scope.params[name]))
        throw new Error(`${path || 'main'}: ${name} is not one of ${JSON.stringify(allowed)}`);
    }
    for (const r of t.resources) {
      const count = r.copy === undefined ? 1 : (evaluate(r.copy.count, scope) as number);
      for (let i = 0; i < count; i++) {
        const s: Scope = r.copy === undefined ? scope : { ...scope, copyIndex: i };
        if (r.condition !== undefined && evaluate(r.condition, s) !== true) continue;
        const name = text(evaluate(r.name, s));
        if (r.type === 'Microsoft.Resources/deployments') {
          const props = r.properties as {
            parameters?: Record<string, { value: unknown }>;
            template: ArmTemplate;
          };
          const inner = Object.fromEntries(
            Object.entries(props.parameters ?? {}).map(([k, v]) => [k, evaluate(v.value, s)]),
          );
          const innerSub = r.subscriptionId === undefined ? sub : text(evaluate(r.subscriptionId, s));
          const innerRg = r.resourceGroup === undefined ? rg : text(evaluate(r.resourceGroup, s));
          deployments.set(name, run(props.template, inner, innerRg, innerSub, name));
          continue;
        }
        resources.push({
          type: r.type,
          name,
          resourceGroup: rg,
          subscriptionId: sub,
          location: evaluate(r.location, s),
          sku: evaluate(r.sku, s),
          scope: r.scope === undefined ? undefined : evaluate(r.scope, s),
          properties: (evaluate(r.properties ?? {}, s) as Record<string, unknown>) ?? {},
          tags: evaluate(r['tags'], s),
          deployment: path,
        });
      }
    }
    return Object.fromEntries(Object.entries(t.outputs ?? {}).map(([k, o]) => [k, evaluate(o.value, scope)]));
  };
  const outputs = run(template, parameters, where.rg, where.sub, '');
  return { resources, outputs };
}
