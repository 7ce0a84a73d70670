// Before each file sharing its worker's modules (vitest.config.ts): what the SDK keeps process-wide.
import { forgetProcessState } from "@molecule-ai/agent-core/testing";
import { beforeAll } from "vitest";

beforeAll(forgetProcessState);
