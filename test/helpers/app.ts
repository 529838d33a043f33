import { existsSync } from 'node:fs';
import path from 'node:path';
import { core } from '../../functions/names/core';

/**
 * Loads an area's function files from its names table (`functions/names/<area>.ts`): the table is
 * the one index of the area, so a new function is loaded by tests as soon as it is named there.
 * Each name is the file name under one of the trigger folders (house style: file = registered name).
 */
const FOLDERS = ['activities', 'orchestrations', 'http', 'queues', 'timers'];

type NameTable = Readonly<Record<string, string | { readonly name: string }>>;

/** The function file of each name in the tables (throws when a named function has no file). */
export function areaFiles(root: string, ...tables: NameTable[]): string[] {
  const files: string[] = [];
  for (const table of tables) {
    for (const entry of Object.values(table)) {
      const name = typeof entry === 'string' ? entry : entry.name;
      const found = FOLDERS.flatMap((folder) =>
        ['.ts', '.js'].map((ext) => path.join(root, 'functions', folder, `${name}${ext}`)),
      ).find((f) => existsSync(f));
      if (found === undefined) throw new Error(`no function file for '${name}' under ${root}/functions`);
      files.push(found);
    }
  }
  return files;
}

/** Imports every function file of the tables (with the catch-all route and health: every area answers through them). */
export async function loadAreas(...tables: NameTable[]): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const files = areaFiles(root, core, ...tables);
  await Promise.all(files.map((f) => import(f)));
}
