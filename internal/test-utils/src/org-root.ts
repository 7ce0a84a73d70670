// The only root of an August-2026 org tree, where GLOBAL memory is written: the "Org Concierge" the
// platform seeds, under which every workspace created without a parent lands.

/** The parts of the emulator's admin API this reads. */
interface EmulatorAdmin {
  listWorkspaces(): Promise<Record<string, unknown>[]>;
  createToken(id: string): Promise<string>;
}

/** The Org Concierge's id and a new token of its, through the emulator's `admin`. */
export async function orgRoot(admin: EmulatorAdmin): Promise<{ id: string; token: string }> {
  const row = (await admin.listWorkspaces()).find((w) => w["name"] === "Org Concierge");
  if (row === undefined)
    throw new Error("orgRoot: no Org Concierge (an August-2026 emulator seeds it)");
  const id = String(row["id"]);
  return { id, token: await admin.createToken(id) };
}
