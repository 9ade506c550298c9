import { CommandBus } from '@nestjs/cqrs';
import { Actor, RequestContexts, systemContext } from '@rcp/observability';
import { eventsOf, eventually, startTestApp } from '@rcp/testing';
import { RequestEnvironmentCommand, RequestEnvironmentInput } from '../../../src/contexts/inventory/application/commands/request-environment/request-environment.command';
import { EnvironmentJobView } from '../../../src/contexts/inventory/application/environment.view';

export type App = Awaited<ReturnType<typeof startTestApp>>;

/** Timings that keep provisioning tests short: fast simulated infrastructure, fast retries, fast relay. */
export const FAST_INVENTORY: Record<string, string> = {
  SIMULATED_LATENCY_MS: '50',
  PROVISION_TIMEOUT_SECONDS: '30',
  JOB_BACKOFF_BASE_MS: '20',
  DELIVERY_BACKOFF_BASE_MS: '10',
  RELAY_IDLE_MAX_MS: '50',
};

export const operator: Actor = { sub: 'ops@platform', kind: 'user', tenantId: null, roles: ['platform:admin'] };
export const tenantAdmin = (tenantId: string): Actor => ({ sub: `admin@${tenantId}`, kind: 'user', tenantId, roles: ['tenant:admin'] });

/** Runs work as an actor, the way an HTTP request would (row-level security follows the actor). */
export const as = <T>(actor: Actor, fn: () => Promise<T>): Promise<T> => RequestContexts.run({ ...systemContext('test'), actor }, fn);

export function requestEnvironment(t: App, tenantId: string, input: Partial<RequestEnvironmentInput> & { name: string }): Promise<EnvironmentJobView> {
  return as(tenantAdmin(tenantId), () =>
    t.app.get(CommandBus).execute(new RequestEnvironmentCommand({ tenantId, projectId: 'web', type: 'staging', region: 'eu-west-1', ...input })),
  );
}

export interface EnvRow {
  state: string;
  failure_reason: string | null;
  attempts: number;
  round: number;
  operation_id: string | null;
  version: number;
}

export const envRow = async (t: App, id: string): Promise<EnvRow> =>
  (await t.ds.query(`SELECT state, failure_reason, attempts, round, operation_id, version FROM inventory.environments WHERE id = $1`, [id]))[0];

/** Waits until the environment is in `state` (and fails fast with the row if it lands elsewhere for good). */
export async function waitForState(t: App, id: string, state: string, timeoutMs = 15_000): Promise<EnvRow> {
  return eventually(async () => {
    const row = await envRow(t, id);
    return row?.state === state ? row : undefined;
  }, timeoutMs);
}

/** Published event types of one environment, in feed order, without `rcp.inventory.` and `.v1`. */
export const eventTypes = async (t: App, environmentId: string): Promise<string[]> =>
  (await eventsOf(t, environmentId)).map((e) => e.type.replace(/^rcp\.inventory\./, '').replace(/\.v1$/, ''));
