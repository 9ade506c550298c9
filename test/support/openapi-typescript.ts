import { dirname } from 'node:path';

/**
 * Loads scripts/demo/openapi-client.ts (and with it openapi-typescript) inside Jest. openapi-typescript's
 * CommonJS build requires three packages that ship only as ES modules: Node (≥ 20.19) loads them, which
 * is how `npm run client:generate` runs it, but Jest's CommonJS runtime cannot. None of them shapes the
 * generated types with the options used here, so they are replaced by CommonJS stand-ins: `parse-json`
 * (only for a document given as a string; ours is an object), `supports-color` (colours of its log
 * lines) and `change-case` (only with the `rootTypes` option, which is off).
 */
export function loadOpenApiClientModule(): typeof import('../../scripts/demo/openapi-client') {
  const from = { paths: [dirname(require.resolve('openapi-typescript'))] };
  jest.doMock(require.resolve('parse-json', from), () => (text: string) => JSON.parse(text));
  jest.doMock(require.resolve('supports-color', from), () => ({ stdout: false, stderr: false }));
  jest.doMock(require.resolve('change-case', from), () => ({
    pascalCase: () => {
      throw new Error('change-case is not available under Jest (only needed with the rootTypes option)');
    },
  }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../scripts/demo/openapi-client') as typeof import('../../scripts/demo/openapi-client');
}
