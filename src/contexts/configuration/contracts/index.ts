export * from './configuration.integration-events';
