export * from './health.integration-events';
