export * from './test-env';
export * from './test-database';
export * from './test-app';
export * from './redis';
export * from './domain';
export * from './query-plan';
