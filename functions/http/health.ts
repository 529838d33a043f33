import type { HttpResponseInit } from '@azure/functions';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { route } from '../kit';
import { core } from '../names/core';

/**
 * `GET /api/health`: versions (app, Node, @azure/functions, durable-functions) and which
 * configuration sections load. Production-safe: it reports section names and the names of keys
 * that fail validation, never a value.
 */
export async function health(): Promise<HttpResponseInit> {
  const { sections } = await import('../../shared/config');
  const config: Record<string, { loaded: boolean; invalidKeys: string[] }> = {};
  for (const [name, section] of Object.entries(sections)) {
    const input: Record<string, string> = {};
    for (const key of section.keys) {
      const value = process.env[key];
      if (value !== undefined && value !== '') input[key] = value;
    }
    const result = section.schema.safeParse(input);
    config[name] = {
      loaded: result.success,
      invalidKeys: result.success
        ? []
        : [...new Set(result.error.issues.map((i) => String(i.path[0] ?? '(section)')))],
    };
  }
  return {
    status: 200,
    jsonBody: {
      status: 'ok',
      app: { name: 'lifeboat', version: packageVersion(appPackageJson()) },
      node: process.version,
      packages: {
        '@azure/functions': packageVersion(dependencyPackageJson('@azure/functions')),
        'durable-functions': packageVersion(dependencyPackageJson('durable-functions')),
      },
      config,
    },
  };
}

/** The app's package.json: the nearest one above this file named "lifeboat" (works from src and dist). */
function appPackageJson(): string | undefined {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (
      existsSync(candidate) &&
      (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'lifeboat'
    )
      return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A dependency's package.json, found from its resolved entry (the packages do not export it). */
function dependencyPackageJson(name: string): string | undefined {
  try {
    let dir = path.dirname(createRequire(__filename).resolve(name));
    for (;;) {
      const candidate = path.join(dir, 'package.json');
      if (
        existsSync(candidate) &&
        (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === name
      )
        return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined;
  }
}

function packageVersion(file: string | undefined): string {
  if (!file) return 'unknown';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
}

route(core.health, { methods: ['GET'], route: 'health', authLevel: 'anonymous', handler: health });
