// Security review: what `molecule-agent` prints. The push URL is a credential (its last segment is
// the capability secret); a token given on the command line is visible to other local users.
import { describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { HANDLER, useConnectHarness } from "./connect-helpers.js";
import { hidePathSecret } from "../src/commands/secrets.js";

const h = useConnectHarness("security-cli-");
const { run } = h;

describe("molecule-agent connect output", () => {
  it("never prints the push URL's secret segment, and warns about --token on the command line", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-push" });
    const r = run([
      "--handler",
      HANDLER,
      "--platform-url",
      h.emu.url,
      "--workspace-id",
      a.id,
      "--delivery",
      "push",
      "--token",
      a.token!,
    ]);
    try {
      await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
      const registered = String((await h.emu.admin.getWorkspace(a.id)).url ?? "");
      const secret = registered.split("/").at(-1) ?? "";
      expect(secret.length).toBeGreaterThanOrEqual(22);
      expect(r.out()).toContain("delivery=push");
      expect(r.out()).toContain(`url=${hidePathSecret(registered)}`);
      expect(r.out() + r.err()).not.toContain(secret);
      expect(r.out() + r.err()).not.toContain(a.token!);
      expect(r.err()).toContain("--token on the command line is visible");
    } finally {
      r.child.kill("SIGTERM");
      await r.exit;
    }
  });

  it("does not warn when the token comes from the environment", async () => {
    const a = await h.emu.admin.createWorkspace({ name: "cli-env" });
    const r = run(["--handler", HANDLER], {
      MOLECULE_PLATFORM_URL: h.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
    });
    try {
      await waitFor(() => r.out().includes("connected as"), { timeoutMs: 30_000 });
      expect(r.err()).not.toContain("--token on the command line");
    } finally {
      r.child.kill("SIGTERM");
      await r.exit;
    }
  });
});

describe("hidePathSecret", () => {
  it("replaces the last path segment and keeps origin and route", () => {
    expect(hidePathSecret("https://h.example:8443/molecule/a2a/AbC_dEf-123456789012345678")).toBe(
      "https://h.example:8443/molecule/a2a/<secret>",
    );
    expect(hidePathSecret("http://127.0.0.1:9/s3cr3t-s3cr3t-s3cr3t-s3cr3t")).toBe(
      "http://127.0.0.1:9/<secret>",
    );
    expect(hidePathSecret("not a url")).toBe("<push url hidden>");
  });
});
