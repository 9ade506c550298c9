import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs dependency-cruiser with the project's rules on a throw-away tree and returns its violations. */
function cruise(files: Record<string, string>): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'rcp-arch-'));
  try {
    cpSync(join(ROOT, '.dependency-cruiser.js'), join(dir, '.dependency-cruiser.js'));
    mkdirSync(join(dir, 'libs'), { recursive: true });
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', module: 'commonjs', paths: { '@rcp/ddd': ['libs/ddd/src'], '@rcp/*': ['libs/*/src'] } } }));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    let out: string;
    try {
      out = execFileSync(DEPCRUISE, ['src', 'libs', '--config', '.dependency-cruiser.js', '--output-type', 'json'], { cwd: dir, encoding: 'utf8' });
    } catch (err) {
      out = (err as { stdout: string }).stdout; // depcruise exits non-zero when it finds violations
    }
    return (JSON.parse(out).summary.violations as Violation[]).map((v) => ({ rule: { name: v.rule.name }, from: v.from, to: v.to }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const names = (vs: Violation[]) => vs.map((v) => v.rule.name).sort();

describe('architecture boundaries (dependency-cruiser rules of CONVENTIONS.md)', () => {
  it('accept a context that imports libs/, its own folder and another context\'s contracts', () => {
    const vs = cruise({
      'libs/ddd/src/index.ts': 'export const x = 1;\n',
      'src/contexts/billing/contracts/index.ts': 'export class InvoicePaidV1 {}\n',
      'src/contexts/orders/domain/order.ts': "import { x } from '@rcp/ddd';\nimport { InvoicePaidV1 } from '../../billing/contracts';\nexport const y = [x, InvoicePaidV1];\n",
      'src/contexts/orders/application/place.ts': "import { y } from '../domain/order';\nexport const z = y;\n",
    });
    expect(vs).toEqual([]);
  });

  it('refuse a context that reaches into another context\'s domain', () => {
    const vs = cruise({
      'src/contexts/billing/domain/invoice.ts': 'export class Invoice {}\n',
      'src/contexts/orders/application/place.ts': "import { Invoice } from '../../billing/domain/invoice';\nexport const z = Invoice;\n",
    });
    expect(names(vs)).toContain('context-boundary');
  });

  it('refuse application/ importing infrastructure/, and libs/ importing a context', () => {
    const vs = cruise({
      'src/contexts/orders/infrastructure/repo.ts': 'export class Repo {}\n',
      'src/contexts/orders/application/place.ts': "import { Repo } from '../infrastructure/repo';\nexport const z = Repo;\n",
      'libs/ddd/src/index.ts': "import { z } from '../../../src/contexts/orders/application/place';\nexport const x = z;\n",
    });
    expect(names(vs)).toEqual(expect.arrayContaining(['application-uses-ports', 'libs-import-no-context']));
  });

  it('refuse libs that import each other in a cycle, and accept libs layered one way', () => {
    const vs = cruise({
      'libs/http/src/index.ts': "import { queueName } from '@rcp/jobs';\nexport const page = queueName;\n",
      'libs/jobs/src/index.ts': "import { page } from '@rcp/http';\nexport const queueName = 'jobs';\nexport const listJobs = page;\n",
    });
    expect(names(vs)).toContain('libs-are-acyclic');
    const acyclic = cruise({
      'libs/config/src/index.ts': 'export const url = 1;\n',
      'libs/http/src/index.ts': "import { url } from '@rcp/config';\nexport const page = url;\n",
      'libs/jobs/src/index.ts': "import { page } from '@rcp/http';\nexport const listJobs = page;\n",
    });
    expect(names(acyclic)).not.toContain('libs-are-acyclic');
  });

  it('refuse src/platform importing a context', () => {
    const vs = cruise({
      'src/contexts/orders/orders.module.ts': 'export class OrdersModule {}\n',
      'src/platform/ops.controller.ts': "import { OrdersModule } from '../contexts/orders/orders.module';\nexport const z = OrdersModule;\n",
    });
    expect(names(vs)).toContain('platform-imports-libs-only');
  });

  it('refuse app.module.ts reaching past a context\'s module file, and accept the module file', () => {
    const ok = cruise({
      'src/contexts/orders/orders.module.ts': 'export class OrdersModule {}\n',
      'src/platform/platform.module.ts': 'export class PlatformModule {}\n',
      'src/app.module.ts': "import { OrdersModule } from './contexts/orders/orders.module';\nimport { PlatformModule } from './platform/platform.module';\nexport const m = [OrdersModule, PlatformModule];\n",
    });
    expect(ok).toEqual([]);
    const vs = cruise({
      'src/contexts/orders/infrastructure/orders.gate.ts': 'export class OrdersGate {}\n',
      'src/app.module.ts': "import { OrdersGate } from './contexts/orders/infrastructure/orders.gate';\nexport const m = OrdersGate;\n",
    });
    expect(names(vs)).toContain('app-module-imports-modules');
  });

  it('refuse domain/ reading the ambient request context', () => {
    const vs = cruise({
      'libs/observability/src/request-context.ts': 'export const RequestContexts = { current: () => undefined };\n',
      'libs/observability/src/index.ts': "export * from './request-context';\n",
      'src/contexts/orders/domain/order.ts': "import { RequestContexts } from '@rcp/observability';\nexport const who = RequestContexts.current();\n",
    });
    expect(names(vs)).toContain('domain-has-no-ambient-context');
  });

  it('refuse production code importing an object mother, and accept a mother importing another', () => {
    const vs = cruise({
      'src/contexts/orders/domain/order.mother.ts': 'export const anOrder = () => ({});\n',
      'src/contexts/orders/domain/line.mother.ts': "import { anOrder } from './order.mother';\nexport const aLine = () => anOrder();\n",
      'src/contexts/orders/application/place.ts': "import { anOrder } from '../domain/order.mother';\nexport const z = anOrder();\n",
    });
    expect(vs.filter((v) => v.rule.name === 'no-mother-in-production')).toEqual([
      { rule: { name: 'no-mother-in-production' }, from: 'src/contexts/orders/application/place.ts', to: 'src/contexts/orders/domain/order.mother.ts' },
    ]);
  });

  it('hold for the real tree', () => {
    let out: string;
    try {
      out = execFileSync(DEPCRUISE, ['src', 'libs', '--config', '.dependency-cruiser.js', '--output-type', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    } catch (err) {
      out = (err as { stdout: string }).stdout;
    }
    const summary = JSON.parse(out).summary;
    expect(summary.violations).toEqual([]);
    expect(summary.totalCruised).toBeGreaterThan(50); // it really looked at the code
  });
});
