import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSourceOptions } from 'typeorm';
import { Settings, SETTINGS_TOKEN } from '@rcp/config';
import { AuditWriter } from './audit-writer';
import { dataSourceOptions } from './database';
import { TransactionManager } from './transaction-manager';
import { UnitOfWork } from './unit-of-work';

/** TypeORM on Postgres plus the transaction manager, unit of work and audit writer every context uses. */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(migrations: DataSourceOptions['migrations']): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [SETTINGS_TOKEN],
          useFactory: (s: Settings) => ({ ...dataSourceOptions(s.DATABASE_URL, s.DB_POOL_SIZE, migrations), autoLoadEntities: true }),
        }),
      ],
      providers: [TransactionManager, AuditWriter, UnitOfWork],
      exports: [TransactionManager, AuditWriter, UnitOfWork],
    };
  }
}
