export * from './behaviour';
export * from './world';
export * from './engine';
export * from './executor-server';
export * from './settings';
export * from './simulated-data-plane';
