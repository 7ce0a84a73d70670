// The `send_message_to_user` tool, written once for every adapter (each wraps it in its
// framework's tool): a message to the canvas user with files, in one call (`notify(text, {
// files })`: upload, then notify with the refs). The name, the `message` and `attachments`
// arguments and the 25 MB bound are those of the platform's own tool in the channel plugin
// (Molecule-AI/molecule-mcp-claude-channel@fb7a89c `server.ts` 797-865). An attachment is a path,
// read only inside the tool's `attachmentsDir` (a model cannot send any file of the machine), or
// `{ name, content }` text the model wrote. Arguments are checked here, not by the framework: a
// bad one, like every failure, is one `Error: ` line the model reads.
import { loadZod, realpath, resolve, sep } from "../runtime/index.js";
import type { NotifyOptions, OutboundFile } from "../platform/index.js";
import { MAX_UPLOAD_FILES } from "../platform/index.js";

/** The tool's name, as the platform's own (channel plugin, workspace runtime). */
export const SEND_TO_USER_TOOL_NAME = "send_message_to_user";

const DESCRIPTION =
  "Send a message to the canvas user (the person watching this workspace), optionally with files " +
  "they can download: a short caption in `message`, files in `attachments` (never paste file " +
  "contents or links into `message`). 25 MB per file, at most 64 files.";

/** The longest error line the model reads. */
const MAX_ERROR_CHARS = 300;

/** What `send_message_to_user` needs of a client (`PlatformClient` has it). */
export interface SendToUserClient {
  notify(text: string, options?: NotifyOptions): Promise<void>;
}

/** Options of the `send_message_to_user` tool. */
export interface SendToUserToolOptions {
  /**
   * The folder attachments given as paths are read from (relative paths resolve against it; a
   * path that leaves it, through `..` or a symbolic link, is refused). Without it, only
   * `{ name, content }` attachments are taken.
   */
  attachmentsDir?: string | undefined;
}

/** An argument shown to the model with `schema` (its JSON Schema) that the framework never rejects. */
function shown(schema: Record<string, unknown>) {
  return loadZod().z.unknown().meta(schema);
}

/** `message` and `attachments` checked: the text and the files to send, or the error line. */
async function filesOf(
  attachments: unknown,
  dir: string | undefined,
): Promise<OutboundFile[] | string> {
  if (attachments === undefined || attachments === null) return [];
  if (!Array.isArray(attachments)) return "attachments must be a list";
  if (attachments.length > MAX_UPLOAD_FILES) return `at most ${MAX_UPLOAD_FILES} attachments`;
  const out: OutboundFile[] = [];
  for (const [i, a] of attachments.entries()) {
    if (typeof a === "string") {
      if (dir === undefined)
        return `attachments[${i}] is a path, but this tool reads no files: send { name, content } instead`;
      const root = await realpath(dir);
      let real: string;
      try {
        real = await realpath(resolve(root, a));
      } catch {
        return `attachments[${i}]: no file ${JSON.stringify(a)} in the attachments folder`;
      }
      if (real !== root && !real.startsWith(root + sep))
        return `attachments[${i}]: ${JSON.stringify(a)} is outside the attachments folder`;
      out.push(real);
    } else if (
      a &&
      typeof a === "object" &&
      typeof (a as { name?: unknown }).name === "string" &&
      typeof (a as { content?: unknown }).content === "string"
    ) {
      const { name, content } = a as { name: string; content: string };
      if (name.trim() === "") return `attachments[${i}].name is empty`;
      out.push({ name, data: content });
    } else return `attachments[${i}] must be a path or { name, content }`;
  }
  return out;
}

/** One error line, at most {@link MAX_ERROR_CHARS} long. */
function errorLine(message: string): string {
  const line = `Error: ${message.replace(/\s+/g, " ").trim() || "the message could not be sent"}`;
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}

/**
 * The `send_message_to_user` tool on `client`: name, description, input schema (zod, built on
 * first use) and `run`, which answers one line (`Error: …` for every failure but an abort).
 */
export function sendToUserToolSpec(client: SendToUserClient, options: SendToUserToolOptions = {}) {
  const { z } = loadZod();
  return {
    name: SEND_TO_USER_TOOL_NAME,
    description: DESCRIPTION,
    schema: z.object({
      message: shown({
        type: "string",
        minLength: 1,
        description: "The caption the user reads, e.g. 'Here is the report:'.",
      }),
      attachments: shown({
        type: "array",
        description:
          options.attachmentsDir === undefined
            ? "Files to attach, each { name, content } (text you write)."
            : "Files to attach: a path in the attachments folder, or { name, content } (text you write).",
        items:
          options.attachmentsDir === undefined
            ? {
                type: "object",
                properties: { name: { type: "string" }, content: { type: "string" } },
              }
            : {
                anyOf: [
                  { type: "string" },
                  {
                    type: "object",
                    properties: { name: { type: "string" }, content: { type: "string" } },
                  },
                ],
              },
      }).optional(),
    }),
    run: async (
      input: { message?: unknown; attachments?: unknown },
      signal?: AbortSignal,
    ): Promise<string> => {
      const message = input?.message;
      if (typeof message !== "string" || message.trim() === "")
        return errorLine("message is empty: write the caption the user reads");
      try {
        const files = await filesOf(input.attachments, options.attachmentsDir);
        if (typeof files === "string") return errorLine(files);
        await client.notify(message, { files, ...(signal ? { signal } : {}) });
        return files.length === 0
          ? "Sent to the canvas user."
          : `Sent to the canvas user with ${files.length} attachment(s).`;
      } catch (err) {
        if (signal?.aborted) throw err;
        return errorLine(err instanceof Error ? err.message : String(err));
      }
    },
  };
}
