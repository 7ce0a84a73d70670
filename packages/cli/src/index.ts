// Public API arrives with the CLI commands of the inbound and plugin issues.
export {};
