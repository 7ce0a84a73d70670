// Keeping a streamed task's chunks in a task store shared by replicas (methods.ts, for a streaming
// send), so a resubscription on another replica gets what its caller missed: one save at a time,
// each of the task as it is then (a chunk made during a save is in the next one).

/**
 * A keeper: call it at each change of the task; it runs `save` (the task as it is then), one at a
 * time, telling `failed` of a save that failed. Each save under way is in `writes` until it ends.
 */
export function streamKeeper(
  save: () => void | Promise<void>,
  failed: (err: unknown) => void,
  writes: Set<Promise<void>>,
): () => void {
  let writing = false;
  let again = false;
  const write = async (): Promise<void> => {
    writing = true;
    try {
      do {
        again = false;
        await save();
      } while (again);
    } catch (err) {
      failed(err); // the final state is saved on its own
    } finally {
      writing = false;
    }
  };
  return () => {
    if (writing) {
      again = true;
      return;
    }
    const w: Promise<void> = write().finally(() => writes.delete(w));
    writes.add(w);
  };
}
