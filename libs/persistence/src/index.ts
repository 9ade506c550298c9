export * from './transaction-manager';
export * from './audit-writer';
export * from './unit-of-work';
export * from './read-scope';
export * from './pg-errors';
export * from './database';
export * from './db-roles';
export * from './persistence.module';
