/**
 * The boundaries of the modular monolith, checked in `npm test` (npm run lint:boundaries):
 * - a context imports libs/, its own folder, and other contexts' published contracts/ only;
 * - domain/ imports no framework, ORM or infrastructure; application/ does not import infrastructure/ or interface/;
 * - libs/ imports no context.
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
      from: { path: '^src/contexts/[^/]+/domain/' },
      to: { path: ['node_modules/@nestjs/', 'node_modules/typeorm', 'node_modules/bullmq', '^src/contexts/[^/]+/(application|infrastructure|interface)/', '^libs/(persistence|messaging|jobs|http|auth)/'] },
    },
    {
      name: 'application-uses-ports',
      comment: 'application/ depends on ports, not on infrastructure or the HTTP interface.',
      severity: 'error',
      from: { path: '^src/contexts/[^/]+/application/' },
      to: { path: '^src/contexts/[^/]+/(infrastructure|interface)/' },
    },
    {
      name: 'libs-import-no-context',
      comment: 'The shared kernel must not depend on any bounded context (libs/testing may boot the whole app).',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/testing/' },
      to: { path: '^src/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/contexts/' },
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
