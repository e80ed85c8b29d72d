import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root, found from this file (packages/server/dist/paths.js). */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_CONFIG_FILE = resolve(WORKSPACE_ROOT, 'config/gateway.yaml');
export const WORKSPACE_PLUGINS = resolve(WORKSPACE_ROOT, 'plugins');
