export * from './inventory.integration-events';
export * from './environment-lifecycle';
