export * from './stories.js';
