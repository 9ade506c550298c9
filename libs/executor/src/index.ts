export * from './protocol';
export * from './signature';
export * from './client';
export * from './callbacks';
