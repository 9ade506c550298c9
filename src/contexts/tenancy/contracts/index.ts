export * from './tenancy.integration-events';
