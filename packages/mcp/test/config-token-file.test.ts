// molecule-mcp reads a workspace's token from MOLECULE_WORKSPACE_TOKEN_FILE (the platform's newer
// clients' name, #2935) when no token is given: one workspace only (the file holds one token).
import { describe, expect, it } from "vitest";
import { isMoleculeError } from "@molecule-ai/agent-core";
import { readMcpConfig } from "../src/index.js";

const ID = "5ad841ef-bafe-4f6b-ba79-632fc76e330b";
const OTHER = "11111111-1111-4111-8111-111111111111";
const base = { MOLECULE_PLATFORM_URL: "http://127.0.0.1:9", MOLECULE_MCP_STATE_DIR: "/tmp/x" };

describe("MOLECULE_WORKSPACE_TOKEN_FILE", () => {
  it("names the workspace's token file when no token is given; the inline token wins", () => {
    const file = { ...base, MOLECULE_WORKSPACE_ID: ID, MOLECULE_WORKSPACE_TOKEN_FILE: "/run/t" };
    expect(readMcpConfig({}, file).workspaces).toEqual([
      { id: ID, token: undefined, tokenFile: "/run/t" },
    ]);
    expect(readMcpConfig({}, { ...file, MOLECULE_WORKSPACE_TOKEN: "tok" }).workspaces).toEqual([
      { id: ID, token: "tok" },
    ]);
  });

  it("is refused with several workspaces, saying to list their tokens instead", () => {
    let err: unknown;
    try {
      readMcpConfig(
        {},
        {
          ...base,
          MOLECULE_WORKSPACE_IDS: `${ID},${OTHER}`,
          MOLECULE_WORKSPACE_TOKEN_FILE: "/run/t",
        },
      );
    } catch (e) {
      err = e;
    }
    expect(isMoleculeError(err, "invalid_argument")).toBe(true);
    expect((err as Error).message).toMatch(/MOLECULE_WORKSPACE_TOKENS/);
  });
});

describe("MOLECULE_ORG_ID", () => {
  it("is read with the other variables (readMoleculeEnv), trimmed; unset, no org id", () => {
    const env = { ...base, MOLECULE_WORKSPACE_ID: ID, MOLECULE_WORKSPACE_TOKEN: "tok" };
    expect(readMcpConfig({}, { ...env, MOLECULE_ORG_ID: " org-1 " }).orgId).toBe("org-1");
    expect(readMcpConfig({}, env).orgId).toBeUndefined();
  });
});
