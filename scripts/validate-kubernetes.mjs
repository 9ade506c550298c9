// Validates every object of docker/kubernetes/*.yaml against the Kubernetes resource schemas of the
// `kubernetes-models` package (ESM only, hence a script of its own; test/architecture/kubernetes.spec.ts
// runs it). Prints a JSON report: the objects found and the problems of each.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const yaml = createRequire(import.meta.url)('js-yaml');

const dir = join(process.argv[2] ?? '.', 'docker', 'kubernetes');
const modules = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/Secret': 'kubernetes-models/v1/Secret',
  'v1/Service': 'kubernetes-models/v1/Service',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
};
const report = { objects: [], problems: [] };
for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
  for (const doc of yaml.loadAll(readFileSync(join(dir, file), 'utf8'))) {
    if (!doc) continue;
    const key = `${doc.apiVersion}/${doc.kind}`;
    report.objects.push({ file, kind: doc.kind, name: doc.metadata?.name, doc });
    const path = modules[key];
    if (!path) {
      report.problems.push(`${file}: no schema known for ${key}`);
      continue;
    }
    const mod = await import(path);
    try {
      new mod[doc.kind](doc).validate();
    } catch (err) {
      report.problems.push(`${file} ${doc.kind}/${doc.metadata?.name}: ${String(err.message ?? err).slice(0, 500)}`);
    }
  }
}
console.log(JSON.stringify(report));
