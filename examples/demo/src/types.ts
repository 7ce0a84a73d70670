// The demo's public types: its options and the report of what it did.
import type { Writable } from "node:stream";
import type { PlatformCapabilities } from "@molecule-ai/agent-core";
import type { TraceNode } from "./trace.js";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Leave the org running after the transcript, until `until` resolves (default: SIGINT/SIGTERM). */
  keep?: boolean;
  /** Where the transcript goes (default `process.stdout`). */
  out?: Writable;
  /** The platform contract the emulator speaks (default `"latest"`). */
  compat?: "latest" | "2026-04" | "2026-08";
  /** With `keep`: resolves when the demo should stop (default: the first SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  /** Record OpenTelemetry spans and print the coordinator's call to the researcher as a tree. */
  trace?: boolean;
}

/** One request in the transcript. */
export interface DemoHop {
  from: string;
  to: string;
  /** `"delegate"` (async task), `"message/send"` (A2A call through the platform's proxy). */
  kind: "delegate" | "message/send";
  asked: string;
  /** Whether `asked` holds text from outside the coordinator (shown with each line marked). */
  askedUntrusted?: boolean;
  /** The answer as shown: the peer's text made visible (`visiblePeerText`), or what happened. */
  answered: string;
  /** Whether `answered` is the peer's text (shown with each line marked). */
  untrusted: boolean;
  latencyMs: number;
  /** Whether the answer arrived wrapped in OFFSEC-003 markers (no platform server wraps one). */
  wrapped: boolean;
  /** Spoofed trust markers inside the answer that `sanitizePeerText` defused. */
  defused: number;
  /** `true` for a hop the coordinator did not make itself (seen in the platform's activity log). */
  nested?: boolean;
}

/** A workspace in the org tree. */
export interface DemoWorkspace {
  id: string;
  name: string;
  status: string;
  runtime: string;
  /** An external-runtime workspace: the agent runs outside the platform (here, in this process). */
  remote: boolean;
  framework: string;
  delivery: string;
  children: DemoWorkspace[];
}

/** What {@link runDemo} did. */
export interface DemoReport {
  emulatorUrl: string;
  compat: "latest" | "2026-04" | "2026-08";
  capabilities: PlatformCapabilities;
  hops: DemoHop[];
  tree: DemoWorkspace;
  elapsedMs: number;
  /** With `trace`: the spans of the coordinator's call to the researcher, as trees. */
  trace?: TraceNode[];
}
