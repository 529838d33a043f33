// @ts-check
/**
 * The layers of the app, bottom to top, and the rules dependency-cruiser enforces on them
 * (`npm run lint`). A module may import its own layer and the layers below it, never one above;
 * no two folders may import each other, directly or round a longer loop. ARCHITECTURE.md
 * ("Layers") draws this table: change both together. test/unit/lint/layers.test.ts shows the rules
 * failing on a deliberately wrong import.
 */

/** @type {{ name: string, folders: string[] }[]} bottom first */
const layers = [
  // Pure building blocks every area uses; also shared with the agent (contracts, errors, redact).
  {
    name: 'foundation',
    folders: [
      'shared/redact',
      'shared/errors',
      'shared/contracts',
      'shared/outcome',
      'shared/telemetry',
      'shared/azure',
      'shared/schedule',
    ],
  },
  { name: 'config', folders: ['shared/config'] },
  // Adapters and generic mechanics: storage, durable starts, the HTTP edge, identity, APIM, step decisions.
  {
    name: 'platform',
    folders: [
      'shared/storage',
      'shared/durable',
      'shared/http',
      'shared/identity',
      'shared/steps',
      'shared/apim',
      // The status digest's records (issue 21, item 13): low, so any writer may record a fact.
      'shared/digest',
    ],
  },
  // The domain areas, each above the ones it builds on.
  { name: 'backups', folders: ['shared/backups'] },
  // The standby's records and decisions (issue 23): the active side, the last sync (reads backups' connection).
  { name: 'standby', folders: ['shared/standby'] },
  { name: 'restore', folders: ['shared/restore'] },
  { name: 'relay', folders: ['shared/relay'] },
  { name: 'onprem', folders: ['shared/onprem'] },
  { name: 'traffic', folders: ['shared/traffic'] },
  { name: 'plans', folders: ['shared/plans'] },
  { name: 'alerts', folders: ['shared/alerts'] },
  { name: 'status', folders: ['shared/status'] },
  // The function app: typed names, the kit, then one file per function.
  { name: 'names', folders: ['functions/names'] },
  { name: 'kit', folders: ['functions/kit'] },
  {
    name: 'functions',
    folders: [
      'functions/activities',
      'functions/orchestrations',
      'functions/http',
      'functions/queues',
      'functions/timers',
      'functions/hooks',
    ],
  },
  // The on-premises agent: only the foundation of shared/ (see the agent rule below).
  { name: 'agent', folders: ['agent'] },
  // The local Azure stack and the tests run the app; nothing in it imports them.
  { name: 'local', folders: ['local'] },
  { name: 'test', folders: ['test'] },
];

/** A regular expression matching every module in one of the folders. */
const under = (/** @type {string[]} */ folders) => `^(${folders.join('|')})/`;

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const upward = layers.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} may import only its own layer and the ones below it (${layers
    .slice(0, i + 1)
    .map((l) => l.name)
    .join(' < ')}); see ARCHITECTURE.md "Layers".`,
  severity: 'error',
  from: { path: under(layer.folders) },
  to: { path: under(layers.slice(i + 1).flatMap((l) => l.folders)) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'agent-foundation-only',
      comment:
        'The agent ships alone on-premises: of shared/ it may import only the foundation it shares with the app.',
      severity: 'error',
      from: { path: '^agent/' },
      to: {
        path: '^(shared|functions)/',
        pathNot: under(['shared/redact', 'shared/errors', 'shared/contracts']),
      },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Two folders that import each other are one module in two places: move the shared piece down.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(shared|functions|agent|local)/' },
      to: { circular: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    // Subfolders (shared/config/sections, shared/status/rules, local/host/durable) belong to their area.
    collapse: '^(shared|functions)/[^/]+/|^(agent|local|test)/',
  },
};

// The table itself, for the lint test and anyone drawing the layers (not a dependency-cruiser option).
Object.defineProperty(module.exports, 'layers', { value: layers, enumerable: false });
