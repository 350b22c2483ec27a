export * from './run-descriptor.js';
export * from './stories.js';
