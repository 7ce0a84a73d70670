import { ConfigurableModuleBuilder, Module } from "@nestjs/common";
import type { Provider } from "@nestjs/common";
import { DiscoveryModule } from "@nestjs/core";
import { PlatformClient, RemoteAgent, peerClientOf } from "@molecule-ai/agent-core";
import {
  HeartbeatClockClient,
  hostedAgentOptions,
  hostedClientOptions,
  hostedPushSecret,
} from "@molecule-ai/agent-core/adapters";
import {
  MOLECULE_AGENT_CONFIG,
  MOLECULE_AGENT_MODULE_OPTIONS,
  MOLECULE_AGENT_PUSH_SECRET,
  MOLECULE_AGENT_RAW_CLIENT,
} from "./constants.js";
import { PeerMessageDispatcher } from "./explorer.js";
import { MoleculeHealthIndicator } from "./health.js";
import { MoleculeCanvas } from "./canvas.js";
import { MoleculeApprovals, MoleculeMemory } from "./org.js";
import { MoleculePeerTools } from "./peer-tools.js";
import { MoleculeAgentLifecycle } from "./lifecycle.js";
import { ServerListening } from "./listen.js";
import { moduleLogger } from "./logging.js";
import { resolveOptions } from "./options.js";
import type {
  MoleculeAgentModuleExtras,
  MoleculeAgentModuleOptions,
  ResolvedConfig,
} from "./options.js";
import { MoleculePushRoute } from "./push.js";

const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<MoleculeAgentModuleOptions>({
    optionsInjectionToken: MOLECULE_AGENT_MODULE_OPTIONS,
  })
    .setClassMethodName("forRoot")
    .setExtras<MoleculeAgentModuleExtras>({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal ?? true,
    }))
    .build();

/** What `MoleculeAgentModule.forRoot()` accepts: the options plus `isGlobal`. */
export type MoleculeAgentModuleForRootOptions = typeof OPTIONS_TYPE;
/** What `MoleculeAgentModule.forRootAsync()` accepts: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, `isGlobal`. */
export type MoleculeAgentModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

const providers: Provider[] = [
  {
    provide: MOLECULE_AGENT_CONFIG,
    useFactory: (options: MoleculeAgentModuleOptions) => resolveOptions(options),
    inject: [MOLECULE_AGENT_MODULE_OPTIONS],
  },
  PeerMessageDispatcher,
  ServerListening,
  MoleculeAgentLifecycle,
  MoleculePeerTools,
  MoleculeHealthIndicator,
  MoleculeMemory,
  MoleculeApprovals,
  MoleculeCanvas,
  MoleculePushRoute,
  {
    provide: MOLECULE_AGENT_RAW_CLIENT,
    useFactory: (config: ResolvedConfig) =>
      new HeartbeatClockClient(hostedClientOptions(config, moduleLogger(config.options))),
    inject: [MOLECULE_AGENT_CONFIG],
  },
  {
    // Derived from the token (loaded from the token store if need be): stable across restarts.
    provide: MOLECULE_AGENT_PUSH_SECRET,
    useFactory: (config: ResolvedConfig, client: PlatformClient) =>
      hostedPushSecret(config, client),
    inject: [MOLECULE_AGENT_CONFIG, MOLECULE_AGENT_RAW_CLIENT],
  },
  {
    // The injectable client: every method is the agent's client's, but callPeer goes through the
    // running agent, so a poll-delivered peer's answer is awaited (see RemoteAgent#callPeer).
    provide: PlatformClient,
    useFactory: (agent: RemoteAgent<PlatformClient>) => peerClientOf(agent),
    inject: [RemoteAgent],
  },
  {
    provide: RemoteAgent,
    useFactory: (
      client: PlatformClient,
      dispatcher: PeerMessageDispatcher,
      config: ResolvedConfig,
      pushSecret: string | undefined,
      listening: ServerListening,
    ) => {
      // Handlers' ctx.client is the injectable client (the agent's view), one object everywhere.
      const agent: RemoteAgent<PlatformClient> = new RemoteAgent(
        hostedAgentOptions(config, {
          client,
          pushSecret,
          // The push URL is registered once the Nest server listens (see listen.ts).
          registerWhen: listening.registerWhen,
          logger: moduleLogger(config.options),
          handler: (msg, ctx) => dispatcher.dispatch(msg, { ...ctx, client: peerClientOf(agent) }),
        }),
      );
      return agent;
    },
    inject: [
      MOLECULE_AGENT_RAW_CLIENT,
      PeerMessageDispatcher,
      MOLECULE_AGENT_CONFIG,
      MOLECULE_AGENT_PUSH_SECRET,
      ServerListening,
    ],
  },
];

/**
 * Makes this Nest application a Molecule AI workspace: registers it with the platform when the
 * app bootstraps, heartbeats, delivers inbound messages to `@OnPeerMessage()` methods of
 * `@PeerAgent()` providers (their return value is the reply), and stops gracefully on shutdown.
 * `PlatformClient` and `RemoteAgent` are injectable (global by default).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [MoleculeAgentModule.forRoot({ platformUrl, workspaceId, token })],
 *   providers: [EchoAgent],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  imports: [DiscoveryModule],
  providers,
  exports: [
    PlatformClient,
    RemoteAgent,
    PeerMessageDispatcher,
    MoleculeAgentLifecycle,
    MoleculePeerTools,
    MoleculeHealthIndicator,
    MoleculeMemory,
    MoleculeApprovals,
    MoleculeCanvas,
    MOLECULE_AGENT_MODULE_OPTIONS,
  ],
})
export class MoleculeAgentModule extends ConfigurableModuleClass {}
