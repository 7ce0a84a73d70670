// A TCP port for a process the test starts to bind later (its MOLECULE_PORT, a server's --port).
// Plain TypeScript (erasable syntax only): built helpers and plain `node` scripts load it too (the
// benchmarks, for the apps they start and the tests' PostgreSQL through pg-server.ts).
import { createServer } from "node:net";

// Below the kernel's ephemeral range (32768-60999 on Linux), from which every `listen(0)` and
// every outgoing connection on the machine takes its port: a port taken from that range and freed
// for the child was once taken again by another process (a second test run beside this one) before
// the child bound it. Here only another caller of this function can take it, at random.
const FIRST = 20_000;
const COUNT = 12_000;
const given = new Set<number>();

/** Binds `port` on 127.0.0.1 and closes it: whether it is free right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** Resolves a TCP port on 127.0.0.1 that is free right now, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = FIRST + Math.floor(Math.random() * COUNT);
    if (given.has(port) || !(await bindable(port))) continue;
    given.add(port); // not handed out twice by this process
    return port;
  }
  throw new Error(`no free port in ${FIRST}-${FIRST + COUNT - 1} after 100 tries`);
}
