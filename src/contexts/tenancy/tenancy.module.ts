/**
 * # Tenancy (Tenant Isolation)
 *
 * Owns `RuntimeTenantBinding`: how a tenant's boundary becomes enforced runtime isolation. It decides
 * the isolation mode (`shared`, `pooled`, `siloed`) and the placement derived from it, the quotas, and the
 * lifecycle `active ⇄ suspended → offboarded`.
 *
 * - Publishes (`contracts/`): rcp.tenancy.tenant-onboarded, -renamed, -quotas-changed, -isolation-changed,
 *   -suspended, -reactivated, -offboarded (v1). Inventory honours placement and quotas from them and
 *   decommissions an offboarded tenant's environments.
 * - Listens to: inventory's environment-requested/-decommissioned and service-observed/-changed/-removed,
 *   to keep the usage read model behind `GET /v1/tenants/{id}/usage` and `overQuota`.
 * - Provides the API's tenant lifecycle gate (`TenantLifecycleGate`): suspended tenants read only,
 *   offboarded tenants get nothing.
 * - Schema: `tenancy` (tenant_bindings, environment_usage, service_usage), all under row-level security.
 */
import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '@rcp/ddd';
import { ChangeTenantLifecycleHandler } from './application/commands/change-tenant-lifecycle/change-tenant-lifecycle.handler';
import { OnboardTenantHandler } from './application/commands/onboard-tenant/onboard-tenant.handler';
import { UpdateTenantHandler } from './application/commands/update-tenant/update-tenant.handler';
import { ProjectUsageOnInventoryEventsHandler } from './application/event-handlers/project-usage-on-inventory-events.handler';
import { GetTenantUsageHandler } from './application/queries/get-tenant-usage/get-tenant-usage.handler';
import { TenantReader } from './application/tenant-reader';
import { GetTenantHandler } from './application/queries/get-tenant/get-tenant.handler';
import { ListTenantsHandler } from './application/queries/list-tenants/list-tenants.handler';
import { TenantBindingRepository, TenantUsageReader } from './domain/tenant-binding.repository';
import { TypeOrmTenantBindingRepository } from './infrastructure/typeorm-tenant-binding.repository';
import { TypeOrmTenantUsageReader } from './infrastructure/typeorm-tenant-usage.reader';
import { TenantsController } from './interface/http/tenants.controller';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantBindingOrmEntity } from './infrastructure/tenant-binding.orm-entity';

@Module({
  imports: [TypeOrmModule.forFeature([TenantBindingOrmEntity])],
  controllers: [TenantsController],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: TenantBindingRepository, useClass: TypeOrmTenantBindingRepository },
    { provide: TenantUsageReader, useClass: TypeOrmTenantUsageReader },
    OnboardTenantHandler,
    UpdateTenantHandler,
    ChangeTenantLifecycleHandler,
    TenantReader,
    GetTenantHandler,
    ListTenantsHandler,
    GetTenantUsageHandler,
    ProjectUsageOnInventoryEventsHandler,
  ],
})
export class TenancyModule {}

/** The tenant lifecycle gate the app hands to AuthModule: the app knows a context only by its module file. */
export { TenancyLifecycleGate } from './infrastructure/tenancy-lifecycle.gate';
