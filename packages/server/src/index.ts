export * from './app.js';
export * from './gateway.js';
export * from './logger.js';
export * from './paths.js';
export * from './tokens.js';
export * from './health-and-metrics.js';
export * from './cluster.js';
export * from './config-reloader.js';
