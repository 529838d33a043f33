/**
 * HTTP route templates as the Functions host matches them (ASP.NET-style): literal segments match
 * case-insensitively; `{name}` one segment; `{name?}` optional trailing segment; `{*rest}` the
 * rest of the path; `{name:int}`, `{name:bool}`, `{name:guid}`, `{name:alpha}` and
 * `{name:regex(...)}` constraints. The default route is the function name.
 */

interface Segment {
  readonly literal?: string;
  readonly param?: string;
  readonly optional?: boolean;
  readonly catchAll?: boolean;
  readonly constraint?: (value: string) => boolean;
}

/** A compiled route template. */
export interface CompiledRoute {
  readonly template: string;
  /** Literal segments count first when ordering routes (more specific wins). */
  readonly specificity: number;
  match(pathSegments: readonly string[]): Record<string, string> | undefined;
}

function constraintFor(spec: string | undefined): ((value: string) => boolean) | undefined {
  if (spec === undefined) return undefined;
  const regex = /^regex\((.*)\)$/i.exec(spec);
  if (regex) {
    const re = new RegExp(regex[1]!, 'i');
    return (v) => re.test(v);
  }
  switch (spec.toLowerCase()) {
    case 'int':
    case 'long':
      return (v) => /^-?\d+$/.test(v);
    case 'bool':
      return (v) => /^(?:true|false)$/i.test(v);
    case 'guid':
      return (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'double':
    case 'float':
    case 'decimal':
      return (v) => v.trim() !== '' && !Number.isNaN(Number(v));
    default:
      throw new Error(`route constraint '${spec}' is not supported by the local host`);
  }
}

/** Compiles a route template (without the route prefix). */
export function compileRoute(template: string): CompiledRoute {
  const segments: Segment[] = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s !== '')
    .map((raw) => {
      const m = /^\{(\*)?([A-Z_]\w*)(?::([^}?]+))?(\?)?\}$/i.exec(raw);
      if (!m) {
        if (raw.includes('{'))
          throw new Error(`route segment '${raw}' in '${template}' is not supported by the local host`);
        return { literal: raw.toLowerCase() };
      }
      const constraint = constraintFor(m[3]);
      return {
        param: m[2]!,
        catchAll: m[1] === '*',
        optional: m[4] === '?',
        ...(constraint ? { constraint } : {}),
      };
    });
  return {
    template,
    specificity:
      segments.filter((s) => s.literal !== undefined).length * 100 -
      (segments.some((s) => s.catchAll) ? 50 : 0),
    match(path) {
      const params: Record<string, string> = {};
      let i = 0;
      for (const seg of segments) {
        if (seg.catchAll) {
          params[seg.param!] = path.slice(i).map(decodeURIComponent).join('/');
          return params;
        }
        const value = path[i];
        if (value === undefined) {
          if (seg.optional) continue;
          return undefined;
        }
        if (seg.literal !== undefined) {
          if (decodeURIComponent(value).toLowerCase() !== seg.literal) return undefined;
        } else {
          const decoded = decodeURIComponent(value);
          if (seg.constraint && !seg.constraint(decoded)) return undefined;
          params[seg.param!] = decoded;
        }
        i++;
      }
      return i === path.length ? params : undefined;
    },
  };
}

/** Splits a URL path into segments, after removing the route prefix; undefined when the prefix does not match. */
export function stripPrefix(pathname: string, prefix: string): string[] | undefined {
  const parts = pathname.split('/').filter((s) => s !== '');
  if (prefix === '') return parts;
  const prefixParts = prefix.split('/').filter((s) => s !== '');
  for (let i = 0; i < prefixParts.length; i++) {
    if (parts[i]?.toLowerCase() !== prefixParts[i]!.toLowerCase()) return undefined;
  }
  return parts.slice(prefixParts.length);
}
