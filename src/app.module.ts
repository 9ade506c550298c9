import { DynamicModule, ForwardReference, Module, Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthModule } from '@rcp/auth';
import { RcpConfigModule, Settings } from '@rcp/config';
import { HttpConventionsModule } from '@rcp/http';
import { JobsModule } from '@rcp/jobs';
import { MessagingModule } from '@rcp/messaging';
import { ObservabilityModule } from '@rcp/observability';
import { SimulatorModule } from '@rcp/simulator';
import { PersistenceModule } from '@rcp/persistence';
import { MIGRATIONS } from '../migrations';
import { PlatformModule } from './platform/platform.module';
import { TenancyLifecycleGate, TenancyModule } from './contexts/tenancy/tenancy.module';
import { InventoryModule } from './contexts/inventory/inventory.module';
import { ConfigurationModule } from './contexts/configuration/configuration.module';
import { HealthModule } from './contexts/health/health.module';
import { DeploymentModule } from './contexts/deployment/deployment.module';
import { DriftModule } from './contexts/drift/drift.module';
import { AccessAgentKeyStatus, AccessModule } from './access/access.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Anything Nest accepts in `imports`. */
export type AppModuleImport = Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference;

/**
 * The whole product in one module graph. Settings are handed in at build time (never read when this
 * file is imported); the role decides what runs: `api` serves HTTP, `worker` runs relay, handlers and
 * job processors, `all` does both.
 *
 * `extraModules` are appended to the graph as they are (tests use it to add test-only events, handlers
 * and jobs); without it the graph is exactly the product's.
 */
@Module({})
export class AppModule {
  static forRoot(settings: Settings, extraModules: AppModuleImport[] = []): DynamicModule {
    const worker = settings.RCP_ROLE !== 'api';
    const http = settings.RCP_ROLE !== 'worker';
    return {
      module: AppModule,
      imports: [
        RcpConfigModule.forRoot(settings),
        ObservabilityModule,
        PersistenceModule.forRoot(MIGRATIONS),
        CqrsModule.forRoot(),
        MessagingModule.forRoot({ http }),
        SimulatorModule,
        JobsModule.forRoot({ worker, http }),
        HttpConventionsModule,
        AuthModule.forRoot({ tenantGate: TenancyLifecycleGate, agentKeys: AccessAgentKeyStatus }),
        PlatformModule,
        TenancyModule,
        InventoryModule,
        ConfigurationModule,
        HealthModule,
        DeploymentModule,
        DriftModule,
        AccessModule,
        WebhooksModule,
        ...extraModules,
      ],
    };
  }
}
