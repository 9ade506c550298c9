export * from './request-context';
export * from './redaction';
export * from './metrics';
export * from './logger';
export * from './nest-logger';
export * from './observability.module';
export * from './tracing';
