import { defineProjectConfig } from "@internal/config/vitest";

export default defineProjectConfig();
