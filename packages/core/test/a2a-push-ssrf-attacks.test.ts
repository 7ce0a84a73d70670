// The push notification webhook as the server-side request forgery surface it is (issue #61), as
// attacks over real HTTP: a caller of the agent names loopback, private, link-local, unique-local,
// multicast, unspecified and cloud metadata addresses (IP literals in every spelling, `localhost`,
// IPv4 inside IPv6) and is refused when it sets the config, in every method and binding, before
// anything is stored or called; an address that turns private after the config was accepted (DNS
// rebinding) is refused again by the connection's own lookup; a webhook's redirect to a private
// address is never followed.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { rpc, waitFor } from "@internal/test-utils";
import { startA2AServer, type A2AServer } from "../src/public/a2a.js";
import { classifyAddress } from "../src/a2a/server/webhook-address.js";

const opened: Array<{ close(): Promise<void> }> = [];

/** A local HTTP server counting the requests it gets (a target the attacker wants reached). */
async function target(
  answer?: (res: ServerResponse) => void,
): Promise<{ port: number; hits: number }> {
  const t = { port: 0, hits: 0 };
  const server: Server = createServer((req, res) => {
    t.hits++;
    req.resume();
    if (answer) answer(res);
    else res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.port = (server.address() as AddressInfo).port;
  opened.push({
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return t;
}

async function agent(
  options: Record<string, unknown> = {},
): Promise<{ server: A2AServer; errors: unknown[] }> {
  const errors: unknown[] = [];
  const server = await startA2AServer({
    agentCard: { name: "victim" },
    onError: (err) => errors.push(err),
    onMessage: (_m: unknown, ctx: { contextId: string }) => ({
      kind: "task" as const,
      id: crypto.randomUUID(),
      contextId: ctx.contextId,
      status: { state: "completed" as const },
    }),
    ...options,
  });
  opened.push(server);
  return { server, errors };
}

afterEach(async () => {
  for (const o of opened.splice(0).toReversed()) await o.close();
});

const message = () => ({
  kind: "message",
  role: "user",
  messageId: crypto.randomUUID(),
  parts: [{ kind: "text", text: "x" }],
});

describe("webhook addresses a caller may not make the agent call", () => {
  it("are refused when the config is set, in every method and binding; nothing is called", async () => {
    const t = await target();
    const { server } = await agent();
    const sent = await rpc(server.url, "message/send", { message: message() });
    const taskId = sent.result!.id!;
    const urls = [
      `http://127.0.0.1:${t.port}/`,
      `http://localhost:${t.port}/`,
      `http://0x7f.1:${t.port}/`, // 127.0.0.1 in hex and short form
      `http://2130706433:${t.port}/`, // 127.0.0.1 as one number
      `http://[::1]:${t.port}/`,
      `http://[::ffff:127.0.0.1]:${t.port}/`,
      "http://10.1.2.3/",
      "http://172.20.0.1/",
      "http://192.168.1.1/",
      "http://100.64.0.1/",
      "http://169.254.169.254/latest/meta-data/iam/",
      "http://[fd00:ec2::254]/",
      "http://[fe80::1]/",
      "http://[fc00::1]/",
      "http://224.0.0.1/",
      "http://0.0.0.0/",
      "http://[::]/",
      "http://[64:ff9b::a00:1]/", // NAT64 of 10.0.0.1
      "http://[2002:c0a8:101::1]/", // 6to4 of 192.168.1.1
    ];
    for (const url of urls) {
      const v03 = await rpc(server.url, "tasks/pushNotificationConfig/set", {
        taskId,
        pushNotificationConfig: { url },
      });
      expect({ url, got: v03.error?.code }).toEqual({ url, got: -32602 });
      expect({ url, got: v03.error?.message }).toMatchObject({
        url,
        // It names the option the operator can set (not one that does not exist).
        got: expect.stringMatching(/refused.*pushNotifications\.allowAddresses/),
      });
      const v1 = await rpc(server.url, "CreateTaskPushNotificationConfig", { taskId, url }, true);
      expect({ url, got: v1.error?.code }).toEqual({ url, got: -32602 });
      const rest = await fetch(`${server.url}/tasks/${taskId}/pushNotificationConfigs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url }),
      });
      expect({ url, got: rest.status }).toEqual({ url, got: 400 });
      const onSend = await rpc(server.url, "message/send", {
        message: message(),
        configuration: { pushNotificationConfig: { url } },
      });
      expect({ url, got: onSend.error?.code }).toEqual({ url, got: -32602 });
    }
    const listed = await rpc(server.url, "tasks/pushNotificationConfig/list", { id: taskId });
    expect(listed.result).toEqual([]);
    expect(t.hits).toBe(0);
  });

  it("other schemes and URLs with credentials are refused", async () => {
    const { server } = await agent();
    const sent = await rpc(server.url, "message/send", { message: message() });
    for (const url of [
      "file:///etc/passwd",
      "gopher://x/",
      "http://user:pw@hooks.example.com/",
      "not a url",
    ]) {
      const r = await rpc(server.url, "tasks/pushNotificationConfig/set", {
        taskId: sent.result!.id,
        pushNotificationConfig: { url },
      });
      expect({ url, got: r.error?.code }).toEqual({ url, got: -32602 });
    }
  });

  it('allowAddresses: "private" lets a webhook on the agent\'s network through, never metadata', async () => {
    const { server } = await agent({ pushNotifications: { allowAddresses: "private" } });
    const sent = await rpc(server.url, "message/send", { message: message() });
    const set = (url: string) =>
      rpc(server.url, "tasks/pushNotificationConfig/set", {
        taskId: sent.result!.id,
        pushNotificationConfig: { url },
      });
    expect((await set("http://10.1.2.3/hook")).error).toBeUndefined();
    expect((await set("http://169.254.169.254/")).error?.code).toBe(-32602);
    expect((await set("http://[fd00:ec2::254]/")).error?.code).toBe(-32602);
    expect((await set("http://239.1.1.1/")).error?.code).toBe(-32602);
  });

  it("an address that turns private after the check (DNS rebinding) is refused on the connection", async () => {
    const t = await target();
    let rebound = false;
    // The policy sees every address the webhook's host resolves to, at config time and again on
    // every connection: it accepts `localhost` until the name "rebinds".
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { server, errors } = await agent({
      pushNotifications: { allowAddresses: () => !rebound, retryDelayMs: 1, maxAttempts: 2 },
      onMessage: async () => {
        await released;
        return "done";
      },
    });
    const sent = await rpc(server.url, "message/send", {
      message: message(),
      configuration: { blocking: false },
    });
    const set = await rpc(server.url, "tasks/pushNotificationConfig/set", {
      taskId: sent.result!.id,
      pushNotificationConfig: { url: `http://localhost:${t.port}/hook` },
    });
    expect(set.error).toBeUndefined();
    rebound = true;
    release(); // the task completes: its webhook is notified
    await waitFor(async () => {
      const t = await rpc(server.url, "tasks/get", { id: sent.result!.id });
      return t.result?.status?.state === "completed";
    });
    const err = await waitFor(() => errors[0]);
    expect(err).toMatchObject({ code: "push_address_refused" });
    expect(String((err as Error).message)).toContain("pushNotifications.allowAddresses option");
    expect(t.hits).toBe(0);
  });

  it("a webhook's redirect is never followed (here to a private address)", async () => {
    const inner = await target();
    const redirect = await target((res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${inner.port}/admin` });
      res.end();
    });
    const { server, errors } = await agent({ pushNotifications: { allowAddresses: "private" } });
    await rpc(server.url, "message/send", {
      message: message(),
      configuration: { pushNotificationConfig: { url: `http://127.0.0.1:${redirect.port}/hook` } },
    });
    const err = await waitFor(() => errors[0]);
    expect(String((err as Error).message)).toMatch(/redirect, which is never followed/);
    expect(redirect.hits).toBe(1);
    expect(inner.hits).toBe(0);
  });
});

describe("classifyAddress", () => {
  it.each([
    ["93.184.216.34", "public"],
    ["8.8.8.8", "public"],
    ["127.0.0.2", "loopback"],
    ["10.255.0.1", "private"],
    ["172.15.0.1", "public"],
    ["172.31.255.255", "private"],
    ["100.127.1.1", "private"],
    ["169.254.169.254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["169.254.1.1", "link-local"],
    ["0.1.2.3", "unspecified"],
    ["255.255.255.255", "reserved"],
    ["198.51.100.7", "reserved"],
    ["2606:4700::1111", "public"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::808:808", "public"],
    ["64:ff9b::7f00:1", "loopback"],
    ["2002:7f00:1::", "loopback"],
    ["fe80::1%eth0", "link-local"],
    ["fd12:3456::1", "unique-local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"],
    ["not-an-ip", "reserved"],
  ])("%s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});
