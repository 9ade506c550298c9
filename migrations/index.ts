import { PlatformSpine1764000000000 } from './1764000000000-platform-spine';
import { TenancyBindings1764000001000 } from './1764000001000-tenancy-bindings';
import { InventoryEnvironments1764000002000 } from './1764000002000-inventory-environments';
import { PlatformRuntimeRoles1764000002500 } from './1764000002500-platform-runtime-roles';
import { PlatformJobSteps1764000003100 } from './1764000003100-platform-job-steps';
import { InventoryCallbackReplays1764000003200 } from './1764000003200-inventory-callback-replays';
import { PlatformProjectScope1764000003300 } from './1764000003300-platform-project-scope';
import { JobsListIndexes1764000011700 } from './1764000011700-jobs-list-indexes';
import { PlatformRetention1764000011710 } from './1764000011710-platform-retention';
import { JobLeaseToken1764000012100 } from './1764000012100-job-lease-token';
import { RelayLeaderLease1764000012300 } from './1764000012300-relay-leader-lease';
import { PlatformDeliveryQueues1764000012400 } from './1764000012400-platform-delivery-queues';
import { ReadModelRebuild1764000012600 } from './1764000012600-read-model-rebuild';
import { Configuration1764000013000 } from './1764000013000-configuration';
import { Health1764000014000 } from './1764000014000-health';
import { AccessAgents1764000018000 } from './1764000018000-access-agents';
import { Deployment1764000019000 } from './1764000019000-deployment';
import { HealthRollouts1764000019100 } from './1764000019100-health-rollouts';
import { Drift1764000020000 } from './1764000020000-drift';
import { Webhooks1764000021000 } from './1764000021000-webhooks';
import { JobTraceparent1764000022100 } from './1764000022100-job-traceparent';

/** Every migration, in order. New migrations are appended here (and nowhere else). */
export const MIGRATIONS = [
  PlatformSpine1764000000000,
  TenancyBindings1764000001000,
  InventoryEnvironments1764000002000,
  PlatformRuntimeRoles1764000002500,
  PlatformJobSteps1764000003100,
  InventoryCallbackReplays1764000003200,
  PlatformProjectScope1764000003300,
  JobsListIndexes1764000011700,
  PlatformRetention1764000011710,
  JobLeaseToken1764000012100,
  RelayLeaderLease1764000012300,
  PlatformDeliveryQueues1764000012400,
  ReadModelRebuild1764000012600,
  Configuration1764000013000,
  Health1764000014000,
  AccessAgents1764000018000,
  Deployment1764000019000,
  HealthRollouts1764000019100,
  Drift1764000020000,
  Webhooks1764000021000,
  JobTraceparent1764000022100,
];
