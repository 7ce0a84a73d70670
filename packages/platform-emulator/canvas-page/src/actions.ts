// Acting as the platform's canvas does: message, pause, resume or remove the selected workspace,
// and create a workspace (showing the `export MOLECULE_…` lines its agent needs).
import { useEffect, useState } from "preact/hooks";
import { call, uploadFiles, type UploadedFile } from "./api.js";
import { h, Section, type VNode } from "./h.js";
import type { CanvasWorkspace } from "./model.js";

export function ActionsPanel(props: {
  token: string;
  ws: CanvasWorkspace | undefined;
  onClose: () => void;
  /** A message was sent from the page in this thread (contextId): the page shows it. */
  onSent: (contextId: string) => void;
}): VNode {
  const [result, setResult] = useState("");
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const w = props.ws;
  useEffect(() => {
    setResult("");
    setConfirmRemove(false);
  }, [w?.id]);
  const act = async (
    what: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => {
    setResult(`${what}…`);
    try {
      const r = await call(props.token, method, path, body, headers);
      const err =
        typeof r.json === "object" && r.json !== null
          ? (r.json as { error?: unknown }).error
          : undefined;
      setResult(
        r.status < 300
          ? `${what}: done (HTTP ${r.status})`
          : `${what} failed: ${String(err ?? `HTTP ${r.status}`)}`,
      );
      return r;
    } catch (e) {
      setResult(`${what} failed: ${(e as Error).message}`);
      return undefined;
    }
  };
  return h(
    Section,
    { id: "act", title: w === undefined ? "Act" : `Act on ${w.name}` },
    w === undefined
      ? h("p", null, "Select a workspace card to message, pause, resume or remove it.")
      : h(
          "div",
          { class: "act" },
          h(
            "form",
            {
              onSubmit: (e: Event) => {
                e.preventDefault();
                if (text.trim() === "" && files.length === 0) return;
                const contextId = crypto.randomUUID();
                props.onSent(contextId);
                void (async () => {
                  // As the platform's canvas: the files first, then one message naming them.
                  let uploaded: UploadedFile[] = [];
                  if (files.length > 0) {
                    setResult("Upload…");
                    const up = await uploadFiles(props.token, w.id, files).catch(
                      (err: unknown) => ({ status: 0, json: { error: (err as Error).message } }),
                    );
                    const body = up.json as { files?: UploadedFile[]; error?: unknown };
                    if (up.status !== 200 || !Array.isArray(body.files)) {
                      setResult(`Upload failed: ${String(body.error ?? `HTTP ${up.status}`)}`);
                      return;
                    }
                    uploaded = body.files;
                  }
                  const parts: unknown[] = text.trim() === "" ? [] : [{ kind: "text", text }];
                  for (const f of uploaded)
                    parts.push({
                      kind: "file",
                      file: { name: f.name, mimeType: f.mimeType, uri: f.uri, size: f.size },
                    });
                  const r = await act("Send", "POST", `/workspaces/${w.id}/a2a`, {
                    jsonrpc: "2.0",
                    id: crypto.randomUUID(),
                    method: "message/send",
                    params: {
                      message: { role: "user", messageId: crypto.randomUUID(), contextId, parts },
                    },
                  });
                  if (r !== undefined && r.status < 300) {
                    setText("");
                    setFiles([]);
                  }
                })();
              },
            },
            h("label", { for: "send-text" }, `Message to ${w.name} (as the canvas user)`),
            h("textarea", {
              id: "send-text",
              rows: 2,
              value: text,
              onInput: (e: Event) => setText((e.target as HTMLTextAreaElement).value),
            }),
            h("label", { for: "send-files" }, "Files (uploaded first, as the canvas does)"),
            h("input", {
              id: "send-files",
              type: "file",
              multiple: true,
              // A controlled value cannot be set on a file input: a fresh key clears it.
              key: files.length === 0 ? "empty" : "chosen",
              onChange: (e: Event) => setFiles([...((e.target as HTMLInputElement).files ?? [])]),
            }),
            h("button", { type: "submit" }, "Send"),
          ),
          h(
            "div",
            { class: "buttons" },
            h(
              "button",
              {
                type: "button",
                disabled: w.status === "paused" || w.status === "removed",
                // As the platform's canvas sends them (ContextMenu.tsx 176, 188 at aeec8e47).
                onClick: () => void act("Pause", "POST", `/workspaces/${w.id}/pause?cascade=true`),
              },
              "Pause",
            ),
            h(
              "button",
              {
                type: "button",
                disabled: w.status !== "paused",
                onClick: () =>
                  void act("Resume", "POST", `/workspaces/${w.id}/resume?cascade=true`),
              },
              "Resume",
            ),
            confirmRemove
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "danger",
                    onClick: () =>
                      // The name the person confirmed, as the platform's canvas sends it (its
                      // UTF-8 bytes; the August-2026 server refuses a delete without it).
                      void act("Remove", "DELETE", `/workspaces/${w.id}?confirm=true`, undefined, {
                        "X-Confirm-Name": String.fromCharCode(...new TextEncoder().encode(w.name)),
                      }).then(() => setConfirmRemove(false)),
                  },
                  `Confirm: remove ${w.name} and its children`,
                )
              : h(
                  "button",
                  {
                    type: "button",
                    disabled: w.status === "removed",
                    onClick: () => setConfirmRemove(true),
                  },
                  "Remove…",
                ),
            h("button", { type: "button", onClick: props.onClose }, "Deselect"),
          ),
        ),
    result !== "" ? h("p", { class: "result", role: "status" }, result) : null,
    h(CreateWorkspace, { token: props.token, parent: w }),
  );
}

function CreateWorkspace(props: { token: string; parent: CanvasWorkspace | undefined }): VNode {
  const [name, setName] = useState("");
  const [role, setRole] = useState("");
  const [under, setUnder] = useState(false);
  const [out, setOut] = useState<{ lines: string; error: string }>({ lines: "", error: "" });
  const parent = under ? props.parent : undefined;
  return h(
    "form",
    {
      class: "create",
      onSubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const r = await call(props.token, "POST", "/workspaces", {
            name: name.trim(),
            runtime: "external",
            ...(role.trim() !== "" ? { role: role.trim() } : {}),
            ...(parent !== undefined ? { parent_id: parent.id } : {}),
          });
          const c = r.json as {
            connection?: { platform_url: string; workspace_id: string; auth_token: string };
            error?: string;
          };
          if (r.status !== 201 || c.connection === undefined) {
            setOut({ lines: "", error: `Create failed: ${c.error ?? `HTTP ${r.status}`}` });
            return;
          }
          setOut({
            error: "",
            lines: [
              `# workspace "${name.trim()}": paste into the shell that runs its agent (shown once)`,
              `export MOLECULE_PLATFORM_URL=${location.origin}`,
              `export MOLECULE_WORKSPACE_ID=${c.connection.workspace_id}`,
              `export MOLECULE_WORKSPACE_TOKEN=${c.connection.auth_token}`,
            ].join("\n"),
          });
          setName("");
          setRole("");
        } catch (err) {
          setOut({ lines: "", error: `Create failed: ${(err as Error).message}` });
        }
      },
    },
    h("h3", null, "Create a workspace"),
    h("label", { for: "new-name" }, "Name"),
    h("input", {
      id: "new-name",
      required: true,
      maxLength: 255,
      value: name,
      onInput: (e: Event) => setName((e.target as HTMLInputElement).value),
    }),
    h("label", { for: "new-role" }, "Role (optional)"),
    h("input", {
      id: "new-role",
      value: role,
      onInput: (e: Event) => setRole((e.target as HTMLInputElement).value),
    }),
    props.parent !== undefined
      ? h(
          "label",
          { class: "check" },
          h("input", {
            type: "checkbox",
            checked: under,
            onChange: (e: Event) => setUnder((e.target as HTMLInputElement).checked),
          }),
          ` as a child of ${props.parent.name}`,
        )
      : null,
    h("button", { type: "submit" }, "Create"),
    out.error !== "" ? h("p", { class: "error", role: "alert" }, out.error) : null,
    out.lines !== "" ? h(Exports, { lines: out.lines }) : null,
  );
}

/** The export lines, one per line (scrolled sideways, never broken), and a button to copy them. */
function Exports(props: { lines: string }): VNode {
  const [copied, setCopied] = useState("");
  useEffect(() => setCopied(""), [props.lines]);
  return h(
    "div",
    { class: "exports-box" },
    h(
      "pre",
      {
        class: "exports",
        tabIndex: 0,
        "aria-label": "export lines for the new workspace's agent",
      },
      props.lines,
    ),
    h(
      "button",
      {
        type: "button",
        onClick: () =>
          navigator.clipboard.writeText(props.lines).then(
            () => setCopied("Copied: paste them into the shell that runs the agent."),
            () => setCopied("Copying failed: select the lines and copy them by hand."),
          ),
      },
      "Copy the export lines",
    ),
    copied !== "" ? h("p", { class: "result", role: "status" }, copied) : null,
  );
}
