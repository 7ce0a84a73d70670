// Internal entry of plugins/: what other folders of core may import (docs/architecture.md). The
// public API is src/index.ts and src/public/*.ts.
export {
  PluginInstallError,
  isPluginInstallError,
  type PluginErrorCode,
  type PluginInstallErrorOptions,
} from "./errors.js";
export {
  computePluginHash,
  verifyPluginHash,
  listPluginManifest,
  type PluginManifestEntry,
} from "./hash.js";
export {
  extractPluginArchive,
  DEFAULT_PLUGIN_LIMITS,
  type PluginLimits,
  type SkippedPluginEntry,
  type ExtractPluginArchiveOptions,
  type ExtractPluginArchiveResult,
} from "./extract.js";
export {
  runPluginSetup,
  DEFAULT_SETUP_TIMEOUT_MS,
  type PluginSetupResult,
  type RunPluginSetupOptions,
} from "./setup.js";
export {
  installPlugin,
  defaultPluginsDir,
  readDeclaredPluginSha256,
  PLUGIN_NAME_PATTERN,
  type PluginSourceClient,
  type InstallPluginOptions,
  type PluginInstallResult,
} from "./install.js";
