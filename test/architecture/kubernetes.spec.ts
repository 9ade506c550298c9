import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS, loadSettings } from '@rcp/config';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
interface Report {
  objects: Array<{ file: string; kind: string; name: string; doc: Doc }>;
  problems: string[];
}

const ROOT = join(__dirname, '../..');
const validate = (root: string): Report => JSON.parse(execFileSync(process.execPath, [join(ROOT, 'scripts/validate-kubernetes.mjs'), root], { cwd: ROOT, encoding: 'utf8' }));

/**
 * docker/kubernetes, the manifests for running the control plane on a cluster: every object valid by
 * the Kubernetes resource schemas (`kubernetes-models`, which no one here wrote), and wired as the
 * application needs it (roles, probes, the autoscaler's target, disruption budgets, settings the
 * application knows and accepts).
 */
describe('Kubernetes manifests', () => {
  const report = validate(ROOT);
  const of = (kind: string, name: string): Doc => report.objects.find((o) => o.kind === kind && o.name === name)?.doc;

  it('are valid Kubernetes objects, every one listed by the kustomization', () => {
    expect(report.problems).toEqual([]);
    expect(report.objects.map((o) => `${o.kind}/${o.name}`).sort()).toEqual(
      [
        'ConfigMap/rcp-config',
        'Deployment/rcp-api',
        'Deployment/rcp-worker',
        'HorizontalPodAutoscaler/rcp-api',
        'Job/rcp-migrate',
        'Namespace/rcp',
        'PodDisruptionBudget/rcp-api',
        'PodDisruptionBudget/rcp-worker',
        'Secret/rcp-secrets',
        'Service/rcp-api',
      ].sort(),
    );
    const kustomization = readFileSync(join(ROOT, 'docker/kubernetes/kustomization.yaml'), 'utf8');
    for (const file of readdirSync(join(ROOT, 'docker/kubernetes')).filter((f) => f !== 'kustomization.yaml')) expect(kustomization).toContain(`- ${file}`);
  });

  it('run each role with readiness on /readyz and liveness on /healthz, autoscale the api, and keep one replica of each through disruptions', () => {
    for (const role of ['api', 'worker']) {
      const d = of('Deployment', `rcp-${role}`);
      const c = d.spec.template.spec.containers[0];
      expect(c.env).toContainEqual({ name: 'RCP_ROLE', value: role });
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'rcp-config' } }, { secretRef: { name: 'rcp-secrets' } }]);
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      const pdb = of('PodDisruptionBudget', `rcp-${role}`);
      expect(d.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    }
    expect(of('HorizontalPodAutoscaler', 'rcp-api').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'rcp-api' });
    expect(of('Deployment', 'rcp-api').spec.template.metadata.labels).toMatchObject(of('Service', 'rcp-api').spec.selector);
    expect(of('Job', 'rcp-migrate').spec.template.spec.containers[0].command).toEqual(['node', 'dist/scripts/migrate.js', 'run']);
  });

  it('set only settings the application knows, with values it accepts', () => {
    const config: Record<string, string> = of('ConfigMap', 'rcp-config').data;
    const secret: Record<string, string> = of('Secret', 'rcp-secrets').stringData;
    const unknown = [...Object.keys(config), ...Object.keys(secret)].filter((k) => !(k in SETTINGS));
    expect(unknown).toEqual([]);
    // The secret holds placeholders; with real-looking values in their place the whole set loads.
    const settings = loadSettings({ ...config, DATABASE_URL: 'postgres://u:p@db:5432/rcp', REDIS_URL: 'redis://redis:6379', JWT_SECRET: randomBytes(32).toString('base64'), EXECUTOR_SECRET: randomBytes(32).toString('base64') });
    expect(settings.PROVISIONER).toBe('http');
    expect(Object.keys(secret).every((k) => (SETTINGS as Record<string, { secret?: boolean }>)[k].secret || ['DATABASE_URL', 'REDIS_URL'].includes(k))).toBe(true);
  });

  it('would catch an invalid object', () => {
    const root = mkdtempSync(join(tmpdir(), 'rcp-k8s-'));
    try {
      mkdirSync(join(root, 'docker/kubernetes'), { recursive: true });
      writeFileSync(
        join(root, 'docker/kubernetes/bad.yaml'),
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  selector: {}\n  template:\n    spec:\n      containers:\n        - name: c\n          ports:\n            - containerPort: http\n',
      );
      expect(validate(root).problems).toEqual([expect.stringContaining('bad.yaml Deployment/bad')]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
