import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AggregateRoot, DomainEvent } from '@rcp/ddd';
import { EventCatalogue, IntegrationEvent, schemaProblems } from '@rcp/messaging';
import { MAX_OPERATION_ATTEMPTS } from '../../src/contexts/inventory/domain/provisioning-policy';
import { RuntimeEnvironment } from '../../src/contexts/inventory/domain/runtime-environment.aggregate';
import { T0, anEnvironment } from '../../src/contexts/inventory/domain/runtime-environment.mother';
import { RuntimeServiceInventory } from '../../src/contexts/inventory/domain/runtime-service-inventory.aggregate';
import { aService, anInventory, at } from '../../src/contexts/inventory/domain/runtime-service-inventory.mother';
import { EnvironmentMapper } from '../../src/contexts/inventory/infrastructure/environment.mapper';
import { ServiceInventoryMapper } from '../../src/contexts/inventory/infrastructure/service-inventory.mapper';
import { RuntimeTenantBinding } from '../../src/contexts/tenancy/domain/runtime-tenant-binding.aggregate';
import { aTenant } from '../../src/contexts/tenancy/domain/runtime-tenant-binding.mother';
import { TenantBindingMapper } from '../../src/contexts/tenancy/infrastructure/tenant-binding.mapper';
import { aBinding, aConfiguration } from '../../src/contexts/configuration/domain/configuration.mother';
import { RuntimeConfiguration } from '../../src/contexts/configuration/domain/runtime-configuration.aggregate';
import { SecretBinding } from '../../src/contexts/configuration/domain/secret-binding.aggregate';
import { RuntimeConfigurationMapper } from '../../src/contexts/configuration/infrastructure/runtime-configuration.mapper';
import { SecretBindingMapper } from '../../src/contexts/configuration/infrastructure/secret-binding.mapper';
import { HealthCheckResult } from '../../src/contexts/health/domain/health-check-result.aggregate';
import { aHealthResult, aPolicyWithPendingDecision, at as healthAt } from '../../src/contexts/health/domain/health.mother';
import { ScalingPolicy } from '../../src/contexts/health/domain/scaling-policy.aggregate';
import { CheckResultMapper, ScalingPolicyMapper } from '../../src/contexts/health/infrastructure/health.mappers';
import { RuntimeDeployment } from '../../src/contexts/deployment/domain/runtime-deployment.aggregate';
import { aDeployment, at as deployAt, evaluation } from '../../src/contexts/deployment/domain/runtime-deployment.mother';
import { DeploymentMapper } from '../../src/contexts/deployment/infrastructure/deployment.mapper';
import { RuntimeDriftFinding } from '../../src/contexts/drift/domain/drift-finding.aggregate';
import { EnvironmentDrift } from '../../src/contexts/drift/domain/environment-drift.aggregate';
import { COMMIT, DEPLOYMENT, aDivergence, aFinding, aRemediatingFinding, anEnvironmentDrift, at as driftAt } from '../../src/contexts/drift/domain/drift.mother';
import { DriftFindingMapper, EnvironmentDriftMapper } from '../../src/contexts/drift/infrastructure/drift.mappers';
import { WebhookSubscription } from '../../src/webhooks/domain/webhook-subscription.aggregate';
import { T0 as hookT0, aSubscription } from '../../src/webhooks/domain/webhooks.mother';
import { WebhookSubscriptionMapper } from '../../src/webhooks/infrastructure/webhook-subscription.mapper';

// Every context's published events join the catalogue, so a new context's events must be reached below too.
for (const dir of readdirSync(join(__dirname, '../../src/contexts'))) require(join(__dirname, '../../src/contexts', dir, 'contracts'));
require(join(__dirname, '../../src/webhooks/contracts'));

/** Every domain event the object mothers' aggregates give up, in its published form, as the repositories map it. */
function publishedBy(scenarios: (() => void)[]): IntegrationEvent[] {
  const pulled: { aggregate: AggregateRoot; events: DomainEvent[] }[] = [];
  const original = AggregateRoot.prototype.pullEvents;
  const spy = jest.spyOn(AggregateRoot.prototype, 'pullEvents').mockImplementation(function (this: AggregateRoot) {
    const events = original.call(this);
    pulled.push({ aggregate: this, events });
    return events;
  });
  try {
    scenarios.forEach((run) => run());
  } finally {
    spy.mockRestore();
  }
  return pulled.flatMap(({ aggregate, events }) => {
    if (aggregate instanceof RuntimeEnvironment) return EnvironmentMapper.toIntegrationEvents(events as ReturnType<RuntimeEnvironment['pullEvents']>);
    if (aggregate instanceof RuntimeServiceInventory) return ServiceInventoryMapper.toIntegrationEvents(events as ReturnType<RuntimeServiceInventory['pullEvents']>);
    if (aggregate instanceof RuntimeTenantBinding) return TenantBindingMapper.toIntegrationEvents(events as ReturnType<RuntimeTenantBinding['pullEvents']>);
    if (aggregate instanceof RuntimeConfiguration) return RuntimeConfigurationMapper.toIntegrationEvents(events as ReturnType<RuntimeConfiguration['pullEvents']>);
    if (aggregate instanceof SecretBinding) return SecretBindingMapper.toIntegrationEvents(events as ReturnType<SecretBinding['pullEvents']>);
    if (aggregate instanceof HealthCheckResult) return CheckResultMapper.toIntegrationEvents(events as ReturnType<HealthCheckResult['pullEvents']>);
    if (aggregate instanceof ScalingPolicy) return ScalingPolicyMapper.toIntegrationEvents(events as ReturnType<ScalingPolicy['pullEvents']>);
    if (aggregate instanceof RuntimeDeployment) return DeploymentMapper.toIntegrationEvents(events as ReturnType<RuntimeDeployment['pullEvents']>);
    if (aggregate instanceof RuntimeDriftFinding) return DriftFindingMapper.toIntegrationEvents(events as ReturnType<RuntimeDriftFinding['pullEvents']>);
    if (aggregate instanceof EnvironmentDrift) return EnvironmentDriftMapper.toIntegrationEvents(events as ReturnType<EnvironmentDrift['pullEvents']>);
    if (aggregate instanceof WebhookSubscription) return WebhookSubscriptionMapper.toIntegrationEvents(events as ReturnType<WebhookSubscription['pullEvents']>);
    throw new Error(`No mapper for ${aggregate.constructor.name}`);
  });
}

const pull = (a: AggregateRoot) => a.pullEvents();

/** Walks every aggregate through every transition that publishes, starting from what the mothers build. */
const SCENARIOS: (() => void)[] = [
  () => anEnvironment().failed().build(),
  () => anEnvironment().decommissioned().build(),
  () => {
    const env = anEnvironment().failed().build();
    env.retry(T0);
    pull(env);
  },
  () => {
    const env = anEnvironment().decommissioningInFlight().build();
    for (let a = 1; a <= MAX_OPERATION_ATTEMPTS; a++) {
      if (a > 1) env.startDecommissioningAttempt(`op-d${a}`, T0);
      env.completeOperation(`op-d${a}`, { succeeded: false, reason: 'the cluster refused' }, T0);
    }
    pull(env);
  },
  () => {
    const inv = anInventory().withServices(aService('api'), aService('worker')).build();
    inv.applyReport({ observedAt: at(2), services: [aService('api', { replicas: 3 })] }, null, at(2));
    pull(inv);
  },
  () => aTenant().offboarded().build(),
  () => {
    const t = aTenant().suspended().build();
    t.reactivate('paid', T0);
    t.rename('Acme Corp', T0);
    t.changeQuotas({ maxEnvironments: 9, maxServicesPerEnvironment: 30, maxReplicasPerService: 10, maxTotalReplicas: 100 }, { environments: 0, servicesPerEnvironment: 0, replicasPerService: 0, totalReplicas: 0 }, T0);
    t.changeIsolation('siloed', 0, T0);
    pull(t);
  },
  () => pull(aConfiguration(2)),
  () => pull(aHealthResult(['pass', 'pass', 'fail', 'fail', 'fail'])),
  () => {
    const { policy, decisionId } = aPolicyWithPendingDecision();
    policy.complete(decisionId, { succeeded: true }, healthAt(2));
    pull(policy);
  },
  () => {
    const { policy, decisionId } = aPolicyWithPendingDecision();
    policy.complete(decisionId, { succeeded: false, reason: 'the data plane reported: the revision did not become ready' }, healthAt(2));
    pull(policy);
  },
  () => {
    const b = aBinding();
    b.recordCheck({ status: 'unresolvable', reason: 'the vault is sealed' }, T0);
    b.remove(T0);
    pull(b);
  },
  () => {
    // A canary through its timed pause, promoted past nothing more, to success (and the workload deployed).
    const d = aDeployment();
    d.start(deployAt(0));
    d.stepApplied(deployAt(1));
    d.gateEvaluated(evaluation('pass', 31));
    d.stepApplied(deployAt(32));
    d.pauseElapsed(deployAt(92));
    d.promote('admin@acme', deployAt(93));
    d.stepApplied(deployAt(94));
    d.gateEvaluated(evaluation('pass', 130));
    pull(d);
  },
  () => {
    const d = aDeployment();
    d.start(deployAt(0));
    d.stepApplied(deployAt(1));
    d.gateEvaluated(evaluation('fail', 20, ['unhealthy since 2026-12-04T10:00:15.000Z']));
    d.rolledBack(deployAt(30));
    pull(d);
  },
  () => {
    const d = aDeployment({ previous: null, runningReplicas: 0 });
    d.start(deployAt(0));
    d.fail('the executor refused the revision', deployAt(1));
    pull(d);
  },
  () => {
    const d = aDeployment();
    d.abort('admin@acme', 'wrong image', deployAt(0));
    pull(d);
  },
  () => {
    // A desired state recorded, a reconciliation that found drift; a finding detected, remediated, failed, quarantined, suppressed, resolved.
    const drift = anEnvironmentDrift();
    drift.reconciled('change', { open: 1, detected: 1, resolved: 0, explained: 0, skipped: 0 }, driftAt(1));
    pull(drift);
    const failed = aRemediatingFinding();
    failed.remediationFailed(DEPLOYMENT, 'rolled_back', 'error rate 0.2 above 0.05', driftAt(30));
    pull(failed);
    const quarantined = aRemediatingFinding();
    quarantined.quarantine({ image: 'registry.example.com/acme/checkout:1.0.0', deploymentId: DEPLOYMENT, reason: 'its health gate failed' }, driftAt(30));
    pull(quarantined);
    const suppressed = aFinding({ kind: 'unexpected-service', desired: null, actual: 'busybox:1.36', service: 'debug' });
    suppressed.suppress('debugging an incident', driftAt(3600), 'ops@acme', driftAt(1));
    suppressed.observe(aDivergence({ kind: 'unexpected-service', desired: null, actual: 'busybox:1.36', service: 'debug' }), COMMIT, driftAt(2));
    suppressed.resolve('the divergence is gone', driftAt(3));
    pull(suppressed);
  },
  () => {
    // A webhook subscription created, its secret rotated, disabled by dead letters, deleted.
    const s = aSubscription();
    s.rotateSecret('v1.next', new Date(hookT0.getTime() + 3_600_000), 'admin@acme', hookT0);
    s.deadLettered(1, hookT0);
    s.delete('admin@acme', hookT0);
    pull(s);
  },
];

describe('event catalogue (every published schema describes the events the code publishes)', () => {
  const published = publishedBy(SCENARIOS);

  it('the mothers reach every event type of the catalogue', () => {
    const reached = new Set(published.map((e) => EventCatalogue.ofClass(e.constructor).type));
    const catalogue = EventCatalogue.all().map((e) => e.type);
    expect(catalogue.filter((type) => !reached.has(type))).toEqual([]);
    expect(catalogue.length).toBeGreaterThan(15);
  });

  it('every published event validates against its schema, which requires every field it carries', () => {
    const problems = published.flatMap((e) => {
      const entry = EventCatalogue.ofClass(e.constructor);
      return schemaProblems(entry.schema, JSON.parse(JSON.stringify(e.data))).map((p) => `${entry.type} ${p}`);
    });
    expect([...new Set(problems)]).toEqual([]);
  });
});
