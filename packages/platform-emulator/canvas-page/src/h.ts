// preact's `h` without JSX, and the panel frame every part of the page uses.
import {
  h as preactH,
  type Component,
  type ComponentChildren,
  type VNode as PreactVNode,
} from "preact";

/* oxlint-disable typescript/no-explicit-any -- preact's `h` overloads do not type-check mixed children without JSX */
export type VNode = PreactVNode<any>;
/** preact's `h`, loosely typed (the page is written without JSX). */
export function h(
  type: string | ((props: any) => VNode) | (new (props: any) => Component<any>),
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
