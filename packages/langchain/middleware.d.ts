// For TypeScript setups that resolve like node10 (no "exports" support).
export * from "./dist/middleware.js";
