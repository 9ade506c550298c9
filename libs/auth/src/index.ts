export * from './roles';
export * from './decorators';
export * from './tenant-gate';
export * from './jwt.strategy';
export * from './auth.guard';
export * from './auth.module';
export * from './token-factory';
