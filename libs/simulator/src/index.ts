export * from './behaviour';
export * from './world';
export * from './engine';
