/**
 * # Access (runtime agents' credentials)
 *
 * Why it is not a seventh bounded context: it owns credentials, not runtime state. Nothing here is a
 * fact about a workload that another context reacts to; it decides who may speak for an environment.
 * It lives beside the contexts (`src/access`), under the same rules (its own schema, row-level
 * security, commands with their audit, other contexts only through their published contracts), and
 * it plugs into the auth layer through two ports of libs/auth: `AgentKeyStatus` (is a key revoked) and
 * `AgentTokenKeys` (the control plane's own key for agent tokens).
 *
 * - API: `POST /v1/environments/{id}/agent-enrollments` (tenant admin: a one-time enrollment token, 15
 *   minutes), `POST /v1/agent-enrollments/redeem` (the enrollment token as bearer, once: an agent key
 *   `rcpak_…`), `POST /v1/agent-tokens` (the agent key as bearer: an agent JWT for 10 minutes),
 *   `GET /v1/environments/{id}/agent-keys`, `DELETE /v1/environments/{id}/agent-keys/{keyId}`.
 * - Rules: tokens and keys are shown once and stored as sha256 hashes (domain/agent-credential.ts);
 *   an enrollment is redeemed once (its row is locked by the redemption); only a ready environment
 *   enrolls agents; a key carries capabilities (`report:*`, extensible: each agent endpoint names the
 *   one it needs) and its tokens carry them; a revoked key's tokens are refused within
 *   `AGENT_KEY_STATUS_CACHE_SECONDS`; token exchanges are limited per key.
 * - Publishes: nothing (every issuance, redemption, exchange, refusal and revocation is an audit row).
 * - Listens to: rcp.inventory.environment-* (its read model `access.environments`); on
 *   environment-decommissioned every active key of the environment is revoked.
 * - Schema: `access` (agent_enrollments, agent_keys, environments), all under row-level security; the
 *   lookup of a presented credential's owner is its one platform-scope read.
 */
import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '@rcp/ddd';
import { RateLimitStorageModule } from '@rcp/http';
import { IssueAgentEnrollmentHandler } from './application/commands/issue-agent-enrollment/issue-agent-enrollment.handler';
import { IssueAgentTokenHandler } from './application/commands/issue-agent-token/issue-agent-token.handler';
import { RedeemAgentEnrollmentHandler } from './application/commands/redeem-agent-enrollment/redeem-agent-enrollment.handler';
import { RevokeAgentKeyHandler } from './application/commands/revoke-agent-key/revoke-agent-key.handler';
import { ProjectAccessEnvironmentOnInventoryEventsHandler } from './application/event-handlers/project-access-environment-on-inventory-events.handler';
import { RevokeAgentKeysOnEnvironmentDecommissionedHandler } from './application/event-handlers/revoke-agent-keys-on-environment-decommissioned.handler';
import { CredentialDirectory } from './application/ports/credential-directory.port';
import { ListAgentKeysHandler } from './application/queries/list-agent-keys/list-agent-keys.handler';
import { AccessEnvironments } from './application/read-models/access-environment-read-model';
import { AgentEnrollmentRepository, AgentKeyRepository } from './domain/access.repository';
import { PlatformCredentialDirectory } from './infrastructure/platform-credential-directory';
import { TypeOrmAccessEnvironments, TypeOrmAgentEnrollmentRepository, TypeOrmAgentKeyRepository } from './infrastructure/typeorm-access.repositories';
import { AgentCredentialGuard } from './interface/http/agent-credential.guard';
import { AgentsController } from './interface/http/agents.controller';

export { AccessAgentKeyStatus } from './infrastructure/access-agent-key-status';

@Module({
  imports: [RateLimitStorageModule],
  controllers: [AgentsController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: AgentEnrollmentRepository, useClass: TypeOrmAgentEnrollmentRepository },
    { provide: AgentKeyRepository, useClass: TypeOrmAgentKeyRepository },
    { provide: AccessEnvironments, useClass: TypeOrmAccessEnvironments },
    { provide: CredentialDirectory, useClass: PlatformCredentialDirectory },
    AgentCredentialGuard,
    // commands
    IssueAgentEnrollmentHandler,
    RedeemAgentEnrollmentHandler,
    IssueAgentTokenHandler,
    RevokeAgentKeyHandler,
    // queries
    ListAgentKeysHandler,
    // event handlers
    ProjectAccessEnvironmentOnInventoryEventsHandler,
    RevokeAgentKeysOnEnvironmentDecommissionedHandler,
  ],
})
export class AccessModule {}
