export { loadCorePlugin, CORE_PLUGIN_DIR } from './load-core-plugin.js';
