export * from './error-catalogue';
export * from './problem';
export * from './problem.filter';
export * from './validation';
export * from './pagination';
export * from './versioning';
export * from './etag.interceptor';
export * from './openapi';
