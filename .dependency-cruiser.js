/**
 * The boundaries of the modular monolith, checked in `npm test` (npm run lint:boundaries):
 * - a context imports libs/, its own folder, and other contexts' published contracts/ only;
 * - domain/ imports no framework, ORM or infrastructure; application/ does not import infrastructure/ or interface/;
 * - libs/ imports no context, and the libs import each other without cycles;
 * - src/platform imports libs/ only (no context); app.module.ts imports libs/, migrations/, the platform
 *   module, each context's `<context>.module.ts` and `access/access.module.ts`;
 * - src/access (agent credentials) and src/webhooks (event delivery), beside the contexts, import libs/ and
 *   the contexts' contracts/ only, and no context imports them; their domain/ and application/ follow the
 *   contexts' rules;
 * - domain/ reads no ambient request context (request-scoped state, transactions, HTTP);
 * - object mothers (`*.mother.ts`) are for tests: no production file imports one.
 */
module.exports = {
  forbidden: [
    {
      name: 'context-boundary',
      comment: 'A context may import another context only through its published contracts/.',
      severity: 'error',
      from: { path: '^src/contexts/([^/]+)/' },
      to: { path: '^src/contexts/', pathNot: ['^src/contexts/$1/', '^src/contexts/[^/]+/contracts/'] },
    },
    {
      name: 'access-boundary',
      comment: 'The access module imports other contexts only through their published contracts/.',
      severity: 'error',
      from: { path: '^src/(access|webhooks)/' },
      to: { path: '^src/contexts/', pathNot: '^src/contexts/[^/]+/contracts/' },
    },
    {
      name: 'contexts-ignore-access',
      comment: 'No context depends on the access module: it plugs into the auth layer through libs/auth ports.',
      severity: 'error',
      from: { path: '^src/contexts/' },
      to: { path: '^src/(access|webhooks)/' },
    },
    {
      name: 'contracts-are-leaves',
      comment: 'Published contracts depend on nothing of any context but other contracts.',
      severity: 'error',
      from: { path: '^src/contexts/[^/]+/contracts/' },
      to: { path: '^src/contexts/[^/]+/(domain|application|infrastructure|interface)/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ knows no framework, ORM or infrastructure.',
      severity: 'error',
      from: { path: '^src/(contexts/[^/]+|access|webhooks)/domain/' },
      to: { path: ['node_modules/@nestjs/', 'node_modules/typeorm', 'node_modules/bullmq', '^src/(contexts/[^/]+|access|webhooks)/(application|infrastructure|interface)/', '^libs/(persistence|messaging|jobs|http|auth)/'] },
    },
    {
      name: 'application-uses-ports',
      comment: 'application/ depends on ports, not on infrastructure or the HTTP interface.',
      severity: 'error',
      from: { path: '^src/(contexts/[^/]+|access|webhooks)/application/' },
      to: { path: '^src/(contexts/[^/]+|access|webhooks)/(infrastructure|interface)/' },
    },
    {
      name: 'libs-import-no-context',
      comment: 'The shared kernel must not depend on any bounded context (libs/testing may boot the whole app).',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/testing/' },
      to: { path: '^src/' },
    },
    {
      name: 'libs-are-acyclic',
      comment: 'The libs depend on each other in one direction: what two libs share lives in the lib that owns it.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^libs/' },
      to: { circular: true },
    },
    {
      name: 'platform-imports-libs-only',
      comment: 'src/platform runs the spine (ops, audit log, worker runtime, retention) and knows no context.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: '^src/platform/' },
    },
    {
      name: 'app-module-imports-modules',
      comment: 'app.module.ts composes libs, the platform module and each context through its module file only.',
      severity: 'error',
      from: { path: '^src/app\\.module\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/platform/platform\\.module\\.ts$', '^src/contexts/([^/]+)/\\1\\.module\\.ts$', '^src/access/access\\.module\\.ts$', '^src/webhooks/webhooks\\.module\\.ts$'] },
    },
    {
      name: 'domain-has-no-ambient-context',
      comment: 'domain/ gets what it needs as arguments: no request context, transaction or HTTP state.',
      severity: 'error',
      from: { path: '^src/(contexts/[^/]+|access|webhooks)/domain/' },
      to: { path: '^libs/(observability|persistence|http)/' },
    },
    {
      name: 'no-mother-in-production',
      comment: 'Object mothers build test data; production code never imports one.',
      severity: 'error',
      from: { path: '^(src|libs)/', pathNot: '\\.mother\\.ts$' },
      to: { path: '\\.mother\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/(contexts|access|webhooks)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.spec\\.ts$', '\\.int-spec\\.ts$', '\\.e2e-spec\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
