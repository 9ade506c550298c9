export * from './webhooks.integration-events';
