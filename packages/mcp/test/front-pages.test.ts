// Issue 92 for the MCP server: a platform behind a proxy or load balancer that answers with its
// own error page (nginx's 502). workspace_info and the server's stderr name the front, its status
// and its page's title on one line, never the page's markup.
import { afterEach, describe, expect, it } from "vitest";
import { errorFront, FRONT_PAGES } from "@internal/test-utils";
import { connectStdio, tempDir, textOf } from "./helpers.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

describe("molecule-mcp behind a front whose platform is down", () => {
  it(
    "workspace_info names the front and its page title, no markup",
    { timeout: 60_000 },
    async () => {
      const front = await errorFront({ page: FRONT_PAGES["nginx 502"] });
      cleanups.push(() => front.close());
      const state = tempDir();
      cleanups.push(state.remove);
      const s = await connectStdio({
        MOLECULE_PLATFORM_URL: front.url,
        MOLECULE_WORKSPACE_ID: "11111111-1111-4111-8111-111111111111",
        MOLECULE_WORKSPACE_TOKEN: "a-token",
        MOLECULE_MCP_STATE_DIR: state.dir,
      });
      cleanups.push(() => s.close());
      const info = textOf(await s.client.callTool({ name: "workspace_info", arguments: {} }));
      expect(info).toContain(
        `the platform at ${front.url} answered 502 from a proxy or load balancer in front of it (page title "502 Bad Gateway")`,
      );
      expect(info).not.toMatch(/<\/?[a-z!]/i);
      expect(s.stderr()).not.toMatch(/<\/?[a-z!]/i);
    },
  );
});
