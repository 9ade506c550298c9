import { configContent } from './runtime-config-content';
import { RuntimeConfiguration } from './runtime-configuration.aggregate';
import { SecretBinding } from './secret-binding.aggregate';

const limits = { maxEntries: 1000, maxValueBytes: 32768 };
const t0 = new Date('2026-12-03T10:00:00Z');
const t1 = new Date('2026-12-03T10:05:00Z');
const where = { tenantId: 'acme', projectId: 'shop', environmentId: '0b6f8a9e-3c1d-4e2f-9a8b-7c6d5e4f3a2b' };

describe('RuntimeConfiguration', () => {
  const start = () => RuntimeConfiguration.start({ id: 'c0ffee00-0000-4000-8000-000000000001', ...where, service: 'web' }, t0);

  it('numbers versions 1, 2, … and records one event per new version, with keys, refs and checksum but no values', () => {
    const c = start();
    const v1 = c.publish(configContent({ LOG_LEVEL: 'info' }, ['db'], limits), 'dev@acme', t0);
    const v2 = c.publish(configContent({ LOG_LEVEL: 'debug' }, ['db'], limits), 'dev@acme', t1);
    expect([v1.version.version, v2.version.version]).toEqual([1, 2]);
    expect(c.takePendingVersions().map((v) => v.version)).toEqual([1, 2]);
    const events = c.pullEvents();
    expect(events.map((e) => [e.payload.version, e.payload.previousVersion])).toEqual([[1, null], [2, 1]]);
    expect(events[1].payload).toMatchObject({ service: 'web', keys: ['LOG_LEVEL'], secretRefs: ['db'], checksum: v2.version.checksum, author: 'dev@acme' });
    expect(JSON.stringify(events.map((e) => e.payload))).not.toContain('debug');
    expect(c.snapshot()).toMatchObject({ latestVersion: 2, latestChecksum: v2.version.checksum, updatedAt: t1 });
  });

  it('answers the latest version and changes nothing when the same content is published again', () => {
    const c = start();
    c.publish(configContent({ A: '1', B: '2' }, [], limits), 'dev@acme', t0);
    c.pullEvents();
    c.takePendingVersions();
    const again = c.publish(configContent({ B: '2', A: '1' }, [], limits), 'other@acme', t1);
    expect(again).toMatchObject({ created: false, version: { version: 1, author: 'dev@acme' } });
    expect(c.pullEvents()).toEqual([]);
    expect(c.takePendingVersions()).toEqual([]);
  });

  it('publishes again a content equal to an older version (not the latest) as a new version', () => {
    const c = start();
    c.publish(configContent({ A: '1' }, [], limits), 'dev', t0);
    c.publish(configContent({ A: '2' }, [], limits), 'dev', t0);
    expect(c.publish(configContent({ A: '1' }, [], limits), 'dev', t1).version.version).toBe(3);
  });
});

describe('SecretBinding', () => {
  const create = (status: 'resolvable' | 'unresolvable' = 'resolvable') =>
    SecretBinding.create(
      { id: 'b0000000-0000-4000-8000-000000000001', ...where, name: 'DB_PASSWORD', provider: 'inline', reference: null, identity: null, sealed: { keyId: 'k1', envelope: 'AAAA' }, createdBy: 'admin@acme' },
      { status, reason: status === 'resolvable' ? null : 'inline secrets are not enabled on the control plane' },
      t0,
    );

  it('records its creation without the sealed value', () => {
    const [created] = create().pullEvents();
    expect(created.name).toBe('SecretBindingCreated');
    expect(created.payload).toEqual({ ...where, name: 'DB_PASSWORD', provider: 'inline', reference: null, identity: null, status: 'resolvable', reason: null });
  });

  it('records a change of status only, and always notes when it was checked', () => {
    const b = create();
    b.pullEvents();
    expect(b.recordCheck({ status: 'resolvable', reason: null }, t1)).toEqual({ changed: false });
    expect(b.pullEvents()).toEqual([]);
    expect(b.snapshot().checkedAt).toEqual(t1);
    expect(b.recordCheck({ status: 'unresolvable', reason: 'the vault is sealed' }, t1)).toEqual({ changed: true });
    expect(b.pullEvents()[0].payload).toMatchObject({ status: 'unresolvable', reason: 'the vault is sealed', previousStatus: 'resolvable' });
    expect(b.recordCheck({ status: 'unresolvable', reason: 'the vault is unreachable' }, t1).changed).toBe(false);
    expect(b.snapshot().reason).toBe('the vault is unreachable');
  });

  it('wipes the sealed value on removal, once', () => {
    const b = create();
    b.pullEvents();
    expect(b.remove(t1)).toEqual({ removed: true });
    expect(b.snapshot()).toMatchObject({ sealed: null, removedAt: t1 });
    expect(b.pullEvents().map((e) => e.name)).toEqual(['SecretBindingRemoved']);
    expect(b.remove(t1)).toEqual({ removed: false });
    expect(b.pullEvents()).toEqual([]);
    b.reseal({ keyId: 'k2', envelope: 'BBBB' }, t1);
    expect(b.snapshot().sealed).toBeNull();
  });
});
