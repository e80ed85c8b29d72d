export * from './hooks.js';
export * from './verbs.js';
export * from './services.js';
export * from './plugin.js';
