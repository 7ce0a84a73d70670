// preact's `h` without JSX, and the panel frame every part of the page uses.
import { h as preactH, Component, type ComponentChildren, type VNode as PreactVNode } from "preact";

/* oxlint-disable typescript/no-explicit-any -- preact's `h` overloads do not type-check mixed children without JSX */
export type VNode = PreactVNode<any>;
/** preact's `h`, loosely typed (the page is written without JSX). */
export function h(
  type: string | ((props: any) => VNode | null) | (new (props: any) => Component<any>),
  props: Record<string, unknown> | null,
  ...children: ComponentChildren[]
): VNode {
  return preactH(type as any, props, ...children) as VNode;
}
/* oxlint-enable typescript/no-explicit-any */

export function Section(props: {
  id: string;
  title: string;
  children: ComponentChildren;
  cls?: string;
}): VNode {
  return h(
    "section",
    { class: `panel ${props.cls ?? ""}`, "aria-labelledby": `${props.id}-title`, id: props.id },
    h("h2", { id: `${props.id}-title` }, props.title),
    props.children,
  );
}

/**
 * A view skipped by its own rate limit is drawn with the page's next render once it is due; its
 * own trailing timer waits this much longer, so it fires only when the page has gone quiet. While
 * the feed keeps the page rendering, every view then changes in the feed's frames: the browser
 * draws one frame for them all, not one more per view.
 */
export const TRAILING_MS = 250;

interface ThrottledProps {
  /** At most one render per `ms` while the page renders more often; `Infinity`: only on `deps`. */
  ms: number;
  /** What renders at once when it changes (the user's own choices). */
  deps: readonly unknown[];
  render: () => VNode;
}

/**
 * Renders `render()` at most once per `ms`: for views that change with every message under load
 * (arcs, the newest conversation, traces) but say nothing new ten times a second. The latest
 * state always shows (a trailing render follows a skipped one, see {@link TRAILING_MS}); a quiet
 * page renders at once.
 */
export class Throttled extends Component<ThrottledProps> {
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #latest: ThrottledProps | undefined;

  override shouldComponentUpdate(next: ThrottledProps): boolean {
    this.#latest = next;
    if (next.deps.some((d, i) => d !== this.props.deps[i])) return true;
    if (!Number.isFinite(next.ms)) return false;
    const wait = next.ms - (performance.now() - this.#last);
    if (wait <= 0) return true;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.forceUpdate();
    }, wait + TRAILING_MS);
    return false;
  }

  override componentWillUnmount(): void {
    clearTimeout(this.#timer);
  }

  override render(): VNode {
    this.#last = performance.now();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return (this.#latest ?? this.props).render();
  }
}
