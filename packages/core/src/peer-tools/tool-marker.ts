// Which tools an adapter created: a mark in the tool's metadata, read back by middleware that
// must leave those tools alone (their output is already sanitised).

/** The tool-metadata key that marks tools created by the Molecule adapters. */
export const MOLECULE_TOOL_METADATA = "molecule";

/** What kind of Molecule tool a tool is, from its metadata; `undefined` for other tools. */
export function moleculeToolKind(tool: unknown): string | undefined {
  if (typeof tool !== "object" || tool === null) return undefined;
  const metadata = (tool as { metadata?: unknown }).metadata;
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const mark = (metadata as Record<string, unknown>)[MOLECULE_TOOL_METADATA];
  if (typeof mark !== "object" || mark === null) return undefined;
  const kind = (mark as { kind?: unknown }).kind;
  return typeof kind === "string" ? kind : undefined;
}
