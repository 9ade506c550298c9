import { configContent } from './runtime-config-content';
import { RuntimeConfiguration } from './runtime-configuration.aggregate';
import { Resolvability, SecretBinding } from './secret-binding.aggregate';

/** Object mothers of the configuration context (tests only). */
export const T0 = new Date('2026-12-03T10:00:00Z');
export const WHERE = { tenantId: 'acme', projectId: 'shop', environmentId: '0b6f8a9e-3c1d-4e2f-9a8b-7c6d5e4f3a2b' };
const LIMITS = { maxEntries: 1000, maxValueBytes: 32768 };

/** A service's configuration line with `versions` published (each a distinct content). */
export function aConfiguration(versions = 1, service = 'checkout'): RuntimeConfiguration {
  const c = RuntimeConfiguration.start({ id: 'c0ffee00-0000-4000-8000-000000000001', ...WHERE, service }, T0);
  for (let n = 1; n <= versions; n++) c.publish(configContent({ LOG_LEVEL: n % 2 ? 'info' : 'debug', RELEASE: String(n) }, [], LIMITS), 'pipeline@acme', T0);
  return c;
}

/** A vault-backed binding, created with the given check outcome. */
export function aBinding(resolvability: Resolvability = { status: 'resolvable', reason: null }, name = 'DB_PASSWORD'): SecretBinding {
  return SecretBinding.create(
    { id: 'b0000000-0000-4000-8000-000000000001', ...WHERE, name, provider: 'hashicorp-vault', reference: 'vault://kv/acme/shop/db#password', identity: 'checkout', sealed: null, createdBy: 'admin@acme' },
    resolvability,
    T0,
  );
}
