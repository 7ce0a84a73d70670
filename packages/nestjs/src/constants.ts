/** Injection token of the module's options (the object given to `forRoot` or returned by `forRootAsync`). */
export const MOLECULE_AGENT_MODULE_OPTIONS = "MOLECULE_AGENT_MODULE_OPTIONS";

/** Internal token of the agent's own `PlatformClient` (the injectable one calls through the agent). */
export const MOLECULE_AGENT_RAW_CLIENT = "MOLECULE_AGENT_RAW_CLIENT";

/** Internal token of the validated configuration (`ResolvedConfig`). */
export const MOLECULE_AGENT_CONFIG = Symbol("MOLECULE_AGENT_CONFIG");

/** Internal token of the push route's path secret (`undefined` unless delivery is push). */
export const MOLECULE_AGENT_PUSH_SECRET = Symbol("MOLECULE_AGENT_PUSH_SECRET");
