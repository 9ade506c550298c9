/**
 * # Deployment (being built: not part of the application yet)
 *
 * Owns `RuntimeDeployment`: rollouts of a release (image, configuration version, secret binding set) of
 * one service in one environment, by strategy (rolling, blue-green, canary), verified against a health
 * gate, promoted, and rolled back automatically or on request (issue 15).
 *
 * What exists: the domain (state machine, step plans, health gate, preconditions), the published
 * contracts (`rcp.deployment.*.v1`), the persistence (`deployment.deployments`, one unfinished
 * deployment per service), and the read models of the other contexts' events (environments, tenants,
 * running services, configuration versions, secret bindings, health per revision). What does not yet:
 * the commands, the workload executor port and its adapters, the API. Until then this module is not in
 * `app.module.ts` (only tests load it), so the product neither serves nor publishes anything of it.
 */
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProjectDeploymentConfigurationOnConfigurationEventsHandler } from './application/event-handlers/project-deployment-configuration-on-configuration-events.handler';
import { ProjectDeploymentEnvironmentOnInventoryEventsHandler } from './application/event-handlers/project-deployment-environment-on-inventory-events.handler';
import { ProjectDeploymentHealthOnServiceHealthChangedHandler } from './application/event-handlers/project-deployment-health-on-service-health-changed.handler';
import { ProjectDeploymentServiceOnInventoryEventsHandler } from './application/event-handlers/project-deployment-service-on-inventory-events.handler';
import { ProjectDeploymentTenantOnTenancyEventsHandler } from './application/event-handlers/project-deployment-tenant-on-tenancy-events.handler';
import { DeploymentRepository } from './domain/deployment.repository';
import { DeploymentOrmEntity } from './infrastructure/deployment.orm-entity';
import { TypeOrmDeploymentRepository } from './infrastructure/typeorm-deployment.repository';

@Module({
  imports: [TypeOrmModule.forFeature([DeploymentOrmEntity])],
  providers: [
    { provide: DeploymentRepository, useClass: TypeOrmDeploymentRepository },
    // read models of the other contexts' events
    ProjectDeploymentEnvironmentOnInventoryEventsHandler,
    ProjectDeploymentServiceOnInventoryEventsHandler,
    ProjectDeploymentTenantOnTenancyEventsHandler,
    ProjectDeploymentConfigurationOnConfigurationEventsHandler,
    ProjectDeploymentHealthOnServiceHealthChangedHandler,
  ],
  exports: [DeploymentRepository],
})
export class DeploymentModule {}
