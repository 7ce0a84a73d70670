// One set of environment variables for every entry point (readMoleculeEnv), and the delivery an
// entry point picks from the platform's capabilities (pickDelivery).
import { describe, expect, it } from "vitest";
import { isMoleculeError, pickDelivery, readMoleculeEnv } from "../src/index.js";

describe("readMoleculeEnv", () => {
  it("reads the seven variables", () => {
    expect(
      readMoleculeEnv({
        MOLECULE_PLATFORM_URL: "https://p.example",
        MOLECULE_WORKSPACE_ID: "5ad841ef-bafe-4f6b-ba79-632fc76e330b",
        MOLECULE_WORKSPACE_TOKEN: " tok ",
        MOLECULE_PUBLIC_URL: "https://agent.example",
        MOLECULE_PORT: "8080",
        MOLECULE_ORG_ID: " 0f9e2a51-org ",
      }),
    ).toEqual({
      platformUrl: "https://p.example",
      workspaceId: "5ad841ef-bafe-4f6b-ba79-632fc76e330b",
      token: "tok",
      tokenFile: undefined,
      publicUrl: "https://agent.example",
      port: 8080,
      orgId: "0f9e2a51-org",
      warnings: [],
    });
  });

  it("MOLECULE_WORKSPACE_TOKEN_FILE is read when no inline token is set (#2935: the inline token wins)", () => {
    expect(
      readMoleculeEnv({ MOLECULE_WORKSPACE_TOKEN_FILE: " /run/secrets/token " }),
    ).toMatchObject({
      token: undefined,
      tokenFile: "/run/secrets/token",
    });
    expect(
      readMoleculeEnv({
        MOLECULE_WORKSPACE_TOKEN: "tok",
        MOLECULE_WORKSPACE_TOKEN_FILE: "/run/secrets/token",
      }),
    ).toMatchObject({ token: "tok", tokenFile: undefined });
  });

  it("accepts the old names with a warning each; a new name wins over its old one", () => {
    const env = readMoleculeEnv({
      MOLECULE_URL: "https://old.example",
      WORKSPACE_ID: "w",
      MOLECULE_REPORTED_URL: "https://old-agent.example",
      MOLECULE_PUBLIC_URL: "https://agent.example",
    });
    expect(env).toMatchObject({
      platformUrl: "https://old.example",
      workspaceId: "w",
      publicUrl: "https://agent.example",
    });
    expect(env.warnings).toEqual([
      "MOLECULE_URL is deprecated: rename it to MOLECULE_PLATFORM_URL",
      "WORKSPACE_ID is deprecated: rename it to MOLECULE_WORKSPACE_ID",
      "MOLECULE_REPORTED_URL is deprecated and ignored because MOLECULE_PUBLIC_URL is set; remove it",
    ]);
  });

  it("rejects a MOLECULE_PORT that is not a port number", () => {
    for (const port of ["http", "-1", "65536", "80.5"]) {
      let err: unknown;
      try {
        readMoleculeEnv({ MOLECULE_PORT: port });
      } catch (e) {
        err = e;
      }
      expect(isMoleculeError(err, "invalid_argument") ? port : err).toBe(port);
    }
    expect(readMoleculeEnv({ MOLECULE_PORT: "0" }).port).toBe(0);
  });
});

/** A client whose platform has (or lacks) poll delivery; counts the capability probes. */
const client = (pollDelivery: boolean) => ({
  probes: 0,
  async capabilities() {
    this.probes++;
    return { pollDelivery, eventStream: false };
  },
});

describe("pickDelivery", () => {
  it("polls where the platform can, pushes where it cannot", async () => {
    expect(await pickDelivery(client(true), { port: 9000 })).toBe("poll");
    expect(await pickDelivery(client(false), { port: 9000, host: undefined })).toEqual({
      mode: "push",
      port: 9000,
    });
  });

  it("pushes to a given public URL without asking the platform", async () => {
    const c = client(true);
    expect(await pickDelivery(c, { publicUrl: "https://agent.example" })).toEqual({
      mode: "push",
      publicUrl: "https://agent.example",
    });
    expect(c.probes).toBe(0);
  });
});
