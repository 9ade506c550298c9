export * from './inventory.integration-events';
