// Where a poll agent given no `store` keeps its state: the default store (files beside its token
// file, store/default-store.ts) where the runtime has a file system, else memory (it then resumes
// from its checkpoint in the activity log: poll-checkpoint.ts).
import { type AgentStateStore, type DefaultStore, openDefaultStore } from "../../store/index.js";
import type { DefaultStoreOptions } from "../../store/index.js";
import { MoleculeStoreError } from "../../store/index.js";
import type { Answers } from "../answer/answers.js";

/**
 * For an agent without a store of its own (`own` false): opens and locks the default store of its
 * client's workspace and makes it hold the agent's poll state, outbox and poll tasks (none without
 * a file system). Says `where` the state is kept, for the start's log line. Throws the store's
 * error (in use, unwritable, unreadable) naming the fix; nothing stays locked then. `lock`: the
 * wait's signal and what to do if the folder's lock is lost later (the agent ends with it).
 */
export async function openPollState(
  own: boolean,
  client: { readonly workspaceId: string },
  state: AgentStateStore,
  answers: Answers,
  lock: DefaultStoreOptions = {},
): Promise<{ opened: DefaultStore | undefined; where: string }> {
  if (own) return { opened: undefined, where: "the agent's store" };
  const opened = await openDefaultStore(client.workspaceId, lock);
  if (opened === undefined) return { opened, where: "memory" }; // resumed from the checkpoint
  try {
    state.persistIn(opened.store.state);
    await state.open();
    if (opened.store.tasks) answers.useTasks(opened.store.tasks);
  } catch (err) {
    await opened.release();
    if (!(err instanceof MoleculeStoreError) || err.code !== "store_unwritable") throw err;
    throw new MoleculeStoreError(
      "store_unwritable",
      `${err.message} (This is the default store of an agent given no store option: set MOLECULE_STATE_DIR to a writable folder, or pass store: memoryStore() to keep the cursor in memory and resume from the checkpoint in the workspace's activity log.)`,
      { path: err.path, cause: err },
    );
  }
  return { opened, where: opened.path };
}
