// events.ts for the edge build (`dist/edge/`): the part of Node's EventEmitter core calls (on, once,
// off, emit), enough for the abort signal the transport hands its `fetch` pool.
type Listener = (...args: unknown[]) => void;

export class EventEmitter {
  readonly #listeners = new Map<string | symbol, Listener[]>();

  on(event: string | symbol, listener: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  once(event: string | symbol, listener: Listener): this {
    const once: Listener = (...args) => {
      this.off(event, once);
      listener(...args);
    };
    (once as { listener?: Listener }).listener = listener;
    return this.on(event, once);
  }

  off(event: string | symbol, listener: Listener): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const i = list.findIndex(
      (l) => l === listener || (l as { listener?: Listener }).listener === listener,
    );
    if (i >= 0) this.#listeners.set(event, list.toSpliced(i, 1));
    return this;
  }

  removeListener(event: string | symbol, listener: Listener): this {
    return this.off(event, listener);
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const l of list) l(...args);
    return true;
  }
}
