import { Inject, Injectable } from "@nestjs/common";
import { PlatformClient } from "@molecule-ai/agent-core";
import { loadPeerToolSpecs } from "@molecule-ai/agent-core/peer-tools";
import type { LoadPeerToolSpecsOptions, PeerToolSpec } from "@molecule-ai/agent-core/peer-tools";

/**
 * This workspace's peers as framework-neutral tools, for a Nest service that calls a model API
 * directly (OpenAI, Anthropic, ...): hand each spec's `name`, `description` and
 * `PEER_TOOL_INPUT_JSON_SCHEMA` to the model, run `spec.call(input)` for its tool calls. Names,
 * descriptions and error outcomes are those of the LangChain and AI SDK adapters.
 */
@Injectable()
export class MoleculePeerTools {
  /** @internal Created by Nest's injector. */
  constructor(@Inject(PlatformClient) private readonly client: PlatformClient) {}

  /** Lists the peers (filters and names as in the other adapters) and returns one spec per peer. */
  load(options: LoadPeerToolSpecsOptions = {}): Promise<PeerToolSpec[]> {
    return loadPeerToolSpecs(this.client, options);
  }
}
