export * from './aggregate-root';
export * from './domain-event';
export * from './domain-error';
export * from './value-object';
export * from './clock';
export * from './lifecycle';
export * from './outside-text';
export * from './serialized';
