// Runs the checks of `molecule-agent doctor` in order; a check whose premise failed is skipped.
import { FileTokenStore, type PlatformClient } from "@molecule-ai/agent-core";
import {
  checkContract,
  checkHeartbeat,
  checkPlatform,
  checkRegistration,
  checkToken,
  type FoundToken,
  pushUrlOf,
} from "./platform-checks.js";
import { checkPush } from "./push-probe.js";
import type { CheckId, DoctorCheck } from "./types.js";

/** Settings of one doctor run (flags already validated). */
export interface DoctorInput {
  /** A client for the workspace, built from the flags (its token, if any, is `token`). */
  client: PlatformClient;
  /** The token given by flag or variable; else the token file is read. */
  token: string | undefined;
  /** `--token-file` / `MOLECULE_WORKSPACE_TOKEN_FILE`, when no token is given. */
  tokenFile?: string | undefined;
  orgId: string | undefined;
  /** Per network check. */
  timeoutMs: number;
}

/**
 * The token the client uses: the given one, else the token file (`tokenFile`, which must hold it;
 * an unusable one is reported, not passed over), else `~/.molecule/<id>/.auth_token`.
 */
async function findToken(workspaceId: string, input: DoctorInput): Promise<FoundToken> {
  if (input.token) return { token: input.token };
  const file = input.tokenFile?.trim();
  try {
    const token = await new FileTokenStore({ workspaceId, ...(file ? { file } : {}) }).load();
    return token === undefined ? {} : { token };
  } catch (err) {
    return file ? { fileError: (err as Error).message, file } : {};
  }
}

function skipped(id: CheckId, why: string): DoctorCheck {
  return { id, status: "skip", detail: why };
}

/** Every check, in order: platform, token, contract, registration, heartbeat, push. */
export async function runDoctor(input: DoctorInput): Promise<DoctorCheck[]> {
  const { client } = input;
  const platform = await checkPlatform(client.platformUrl, input.timeoutMs);
  if (platform.status === "fail")
    return [
      platform,
      ...(["token", "contract", "registration", "heartbeat", "push"] as const).map((id) =>
        skipped(id, "needs the platform check to pass"),
      ),
    ];
  const found = await findToken(client.workspaceId, input);
  const token = found.token;
  // The workspace is read first (it needs no token): a heartbeat of the token check may change it.
  const reg = await checkRegistration(client);
  const tok = await checkToken(client, found, reg.workspace);
  const contract =
    tok.check.status === "ok"
      ? await checkContract(client)
      : skipped("contract", "needs a valid token");
  const heartbeat =
    reg.workspace === undefined
      ? skipped("heartbeat", "no workspace to check")
      : checkHeartbeat(reg.workspace);
  const pushUrl = pushUrlOf(reg.workspace);
  const live = reg.workspace?.status === "online" || reg.workspace?.status === "degraded";
  const push =
    pushUrl === undefined
      ? skipped(
          "push",
          reg.workspace?.["delivery_mode"] === "poll"
            ? "poll delivery: the platform never calls the agent"
            : reg.workspace !== undefined && reg.workspace["delivery_mode"] === undefined
              ? // the August-2026 platform's workspace read has no delivery_mode
                "no registered URL, so the platform never calls the agent (poll delivery; this platform does not report the mode)"
              : "no registered URL",
        )
      : !live
        ? skipped("push", "the agent is not online")
        : await checkPush({
            platformUrl: client.platformUrl,
            workspaceId: client.workspaceId,
            token,
            orgId: input.orgId,
            pushUrl,
            timeoutMs: input.timeoutMs,
          });
  return [platform, tok.check, contract, reg.check, heartbeat, push];
}
