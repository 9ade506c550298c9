export * from './deployment.integration-events';
