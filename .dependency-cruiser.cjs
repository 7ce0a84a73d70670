// Dependency rules of the repository, checked by `./dev test` (dependency-cruiser, see
// scripts/check-deps.mjs). The layer table is docs/architecture.md's "Layers" section: change both
// together. Every rule is an error: an import against it fails the build.

/** Core's folders, bottom-up, and the folders each may import (always through their index.ts). */
const LAYERS = {
  // What differs between runtimes (lazily loaded modules, crypto, bytes, streams, process, files):
  // Node's, or the edge build's. Below everything: every folder may import it (layerRules).
  runtime: [],
  // OpenTelemetry spans and trace context (the optional @opentelemetry/api, loaded on first use).
  observability: ["runtime"],
  transport: ["runtime", "observability"],
  wire: ["runtime"],
  a2a: ["transport"],
  platform: ["observability", "transport", "wire", "a2a"],
  // Files between the canvas and an agent: `msg.files` values, the push routes the platform
  // forwards files to, the store of ingested files, the `send_message_to_user` tool spec.
  files: ["transport", "a2a", "platform"],
  inbound: ["observability", "transport", "wire", "a2a", "platform", "files"],
  // An agent's typed events, log lines and process warnings (AgentObserver), the stderr logger.
  events: ["observability", "transport", "inbound"],
  // The agent stores (memory, file; what a shared one implements) and the state they persist.
  store: ["transport", "a2a", "inbound"],
  // What a workspace shares with its organisation beyond messages: approval waits, transcripts.
  org: ["transport", "a2a", "platform", "store"],
  agent: [
    "observability",
    "transport",
    "wire",
    "a2a",
    "platform",
    "files",
    "inbound",
    "events",
    "store",
    "org",
  ],
  plugins: ["transport", "platform"],
  // The framework-neutral peer-tool logic the adapters share (`/peer-tools`).
  "peer-tools": ["observability", "transport", "a2a", "platform", "agent"],
  // `/adapters`: the message endpoint, conversation helpers, handler routing and hosted-agent
  // options the framework adapters share (the endpoint's message span: observability).
  adapters: [
    "observability",
    "transport",
    "a2a",
    "platform",
    "inbound",
    "events",
    "store",
    "agent",
  ],
  // `/testing`: a local platform for users' tests (also imports the emulator package).
  testing: ["transport", "platform"],
};

const CORE = "^packages/core/src/";
// The files a public entry imports past their folder's index: `useOpenTelemetry`'s, and the
// `/adapters` entry's `traceRequest` and `traceMetadata` (for the MCP server): their declarations
// name no `@opentelemetry/api` type, while observability/index.ts re-exports files whose
// declarations do (an optional peer a consumer without it could not resolve: consumer-tests).
const OTEL_HANDOFF = `${CORE}observability/(use-otel|request-spans|trace-metadata)\\.ts$`;
const folders = Object.keys(LAYERS);
const any = (names) => `(${names.join("|")})`;

const layerRules = folders.map((folder) => ({
  name: `layer-${folder}`,
  comment: `core/${folder} may import only runtime${LAYERS[folder].length ? `, ${LAYERS[folder].join(", ")}` : ""} (docs/architecture.md, Layers).`,
  severity: "error",
  from: { path: `${CORE}${folder}/` },
  to: {
    path: `${CORE}[^/]+/`,
    pathNot: [`${CORE}${any([folder, "runtime", ...LAYERS[folder]])}/`],
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "core-folder-in-layer-table",
      comment:
        "Every folder of packages/core/src is in the layer table (.dependency-cruiser.cjs and docs/architecture.md): add a new folder to both.",
      severity: "error",
      from: { path: `${CORE}[^/]+/`, pathNot: [`${CORE}${any([...folders, "public"])}/`] },
      to: {},
    },
    {
      name: "core-internal-entry",
      comment:
        "Another folder's files are private: import the folder's internal entry (its index.ts), never a file inside it.",
      severity: "error",
      from: { path: `${CORE}([^/]+)/` },
      to: {
        path: `${CORE}[^/]+/.+`,
        pathNot: [`${CORE}$1/`, `${CORE}[^/]+/index\\.ts$`, OTEL_HANDOFF],
      },
    },
    {
      name: "core-public-entries-use-internal-entries",
      comment:
        "The public entries (src/index.ts, src/public/*) list names re-exported from the folders' index.ts files only.",
      severity: "error",
      from: { path: `${CORE}(index\\.ts$|public/)` },
      to: {
        path: `${CORE}[^/]+/.+`,
        pathNot: [`${CORE}[^/]+/index\\.ts$`, `${CORE}public/`, OTEL_HANDOFF],
      },
    },
    {
      name: "core-folders-never-import-public-entries",
      comment:
        "Code inside core imports folders' internal entries, never the package's public entries (that would tie layers to the public surface and make cycles).",
      severity: "error",
      from: { path: `${CORE}[^/]+/`, pathNot: [`${CORE}public/`] },
      to: { path: `${CORE}(index\\.ts$|public/)` },
    },
    {
      name: "core-depends-on-no-other-package",
      comment: "Core depends on no adapter, framework package, CLI or emulator (DESIGN §2).",
      severity: "error",
      from: { path: "^packages/core/src/", pathNot: ["^packages/core/src/testing/"] },
      to: { path: "^packages/(?!core/)" },
    },
    {
      name: "packages-use-public-entries",
      comment:
        "Other packages import @molecule-ai/* packages through their `exports` (root or subpath), never a file inside them.",
      severity: "error",
      from: { path: "^packages/([^/]+)/src/" },
      to: {
        path: "^packages/[^/]+/(src|dist)/",
        pathNot: [
          "^packages/$1/",
          "^packages/[^/]+/dist/index\\.(js|d\\.ts)$",
          "^packages/[^/]+/dist/public/[^/]+\\.(js|d\\.ts)$",
          "^packages/[^/]+/dist/[^/]+\\.(js|d\\.ts)$",
        ],
      },
    },
    {
      name: "no-circular",
      comment:
        "No import cycles in any package, type-only imports included (issue #36): a cycle hides which file a reader starts from.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { circular: true },
    },
    {
      name: "emulator-is-the-other-side",
      comment:
        "The emulator is the platform's side of the wire: it never imports core's client or runtime (DESIGN §2).",
      severity: "error",
      from: { path: "^packages/platform-emulator/src/" },
      to: { path: "^packages/core/", pathNot: ["^packages/core/dist/public/wire\\."] },
    },
    {
      name: "emulator-no-cycles",
      comment:
        "The emulator has no import cycle, type-only imports included: routes import platform.ts, never the reverse (request-handler.ts is the entry point that imports the router).",
      severity: "error",
      from: { path: "^packages/platform-emulator/src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules|test|\\.reports)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "packages/core/tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "default"],
      extensions: [".ts", ".js", ".d.ts"],
    },
  },
};
