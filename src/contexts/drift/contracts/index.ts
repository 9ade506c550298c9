export * from './drift.integration-events';
