/**
 * Test helpers for plugin authors (`@graine/sdk/testing`): a harness that runs a plugin's setup with
 * fake scoped services, typed hook builders and a clock a test can move. No test framework is assumed.
 */
export * from './fake-clock.js';
export * from './fake-services.js';
export * from './hooks.js';
export * from './plugin-harness.js';
