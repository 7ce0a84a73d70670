/** Injection token of the module's options (the object given to `forRoot` or returned by `forRootAsync`). */
export const MOLECULE_AGENT_MODULE_OPTIONS = "MOLECULE_AGENT_MODULE_OPTIONS";
