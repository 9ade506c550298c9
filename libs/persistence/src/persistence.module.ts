import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { AuditWriter } from './audit-writer';
import { SessionLimits, dataSourceOptions } from './database';
import { assertRuntimeLogin, databaseUrls } from './db-roles';
import { TENANT_DATA_SOURCE, TransactionManager } from './transaction-manager';
import { UnitOfWork } from './unit-of-work';

/** The database-side time limits of both runtime pools. */
export function sessionLimits(s: Settings): SessionLimits {
  return { statementTimeoutMs: s.DB_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: s.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS };
}

/**
 * TypeORM on Postgres plus the transaction manager, unit of work and audit writer every context uses.
 * Two pools, one per runtime login: the default `DataSource` is the system login's (platform and system
 * work, and the infrastructure's own statements), {@link TENANT_DATA_SOURCE} the tenant login's. Both
 * logins are checked at start (not a superuser, no BYPASSRLS, …); the owner's URL is used only to migrate.
 * Both pools carry Postgres's statement and idle-in-transaction time limits ({@link sessionLimits}).
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(TENANT_DATA_SOURCE) private readonly tenantDataSource: DataSource) {}

  static forRoot(migrations: DataSourceOptions['migrations']): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [SETTINGS_TOKEN],
          useFactory: (s: Settings) => ({ ...dataSourceOptions(databaseUrls(s).system, s.DB_POOL_SIZE, migrations, sessionLimits(s)), autoLoadEntities: true }),
        }),
      ],
      providers: [
        {
          provide: TENANT_DATA_SOURCE,
          inject: [DataSource, SETTINGS_TOKEN],
          // Same entities as the system login's DataSource (TypeORM gave it the auto-loaded ones).
          useFactory: async (system: DataSource, s: Settings): Promise<DataSource> => {
            const tenant = new DataSource({ ...dataSourceOptions(databaseUrls(s).tenant, s.DB_POOL_SIZE, [], sessionLimits(s)), entities: system.options.entities } as DataSourceOptions);
            await tenant.initialize();
            try {
              await assertRuntimeLogin(system, 'system');
              await assertRuntimeLogin(tenant, 'tenant');
            } catch (err) {
              await tenant.destroy();
              throw err;
            }
            return tenant;
          },
        },
        TransactionManager,
        AuditWriter,
        UnitOfWork,
      ],
      exports: [TENANT_DATA_SOURCE, TransactionManager, AuditWriter, UnitOfWork],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.tenantDataSource.isInitialized) await this.tenantDataSource.destroy();
  }
}
