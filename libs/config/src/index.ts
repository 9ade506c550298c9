export * from './settings';
export * from './jwt-secret';
export * from './config.module';
export * from './redis-connection';
