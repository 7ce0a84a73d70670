// Public API of @molecule-ai/agent-core/plugins: download, safe extraction, manifest hash,
// verification and the optional setup script. Kept off the root entry so that importing the
// agent runtime never loads tar or yaml.
export {
  computePluginHash,
  DEFAULT_PLUGIN_LIMITS,
  DEFAULT_SETUP_TIMEOUT_MS,
  defaultPluginsDir,
  extractPluginArchive,
  installPlugin,
  isPluginInstallError,
  listPluginManifest,
  PLUGIN_NAME_PATTERN,
  PluginInstallError,
  readDeclaredPluginSha256,
  runPluginSetup,
  verifyPluginHash,
} from "../plugins/index.js";
export type {
  ExtractPluginArchiveOptions,
  ExtractPluginArchiveResult,
  InstallPluginOptions,
  PluginErrorCode,
  PluginInstallErrorOptions,
  PluginInstallResult,
  PluginLimits,
  PluginManifestEntry,
  PluginSetupResult,
  PluginSourceClient,
  RunPluginSetupOptions,
  SkippedPluginEntry,
} from "../plugins/index.js";
