// What the canvas layout tests measure in the page: panels whose content overflows them, arcs or
// labels outside the viewport or over each other, arrowheads not in their line's colour.
import type { Page } from "playwright-core";

/** The two screens the page is laid out for: a laptop and a phone. */
export const SCREENS = [
  { name: "1440", width: 1440, height: 900 },
  { name: "390", width: 390, height: 844 },
] as const;

/**
 * Every element that sticks out of its panel (beyond a scrolling or clipping box between them, on
 * that box's axis, content may extend: it scrolls), a page or box that scrolls sideways, a header
 * taller than one line, an Org panel stretched empty below its tree. Empty when the layout holds.
 */
export function layoutProblems(page: Page): Promise<string[]> {
  /* oxlint-disable unicorn/consistent-function-scoping -- serialised into the browser */
  return page.evaluate(() => {
    const out: string[] = [];
    const name = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${typeof e.className === "string" && e.className ? `.${e.className.split(" ").join(".")}` : ""} "${(e.textContent ?? "").slice(0, 40)}"`;
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth)
      out.push(`the page scrolls sideways: ${doc.scrollWidth} px > ${window.innerWidth} px`);
    const top = document.querySelector("header.top");
    const line = top?.querySelector("h1")?.getBoundingClientRect().height ?? 0;
    if (top !== null && top.getBoundingClientRect().height > line + 30)
      out.push(`the header wraps: ${top.getBoundingClientRect().height} px tall`);
    const org = document.querySelector("#org")?.getBoundingClientRect();
    const tree = document.querySelector("#org .org-box")?.getBoundingClientRect();
    if (org !== undefined && tree !== undefined && org.bottom - tree.bottom > 48)
      out.push(`the Org panel is ${Math.round(org.bottom - tree.bottom)} px empty below its tree`);
    for (const panel of document.querySelectorAll("section.panel")) {
      const p = panel.getBoundingClientRect();
      if (p.left < 0 || p.right > window.innerWidth + 0.5)
        out.push(`${name(panel)} is outside the viewport (${p.left}..${p.right})`);
      for (const el of panel.querySelectorAll("*")) {
        if (el.closest("svg") !== null) continue; // the arcs: see arcProblems
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        let clipX = false;
        let clipY = false;
        for (let a = el.parentElement; a !== null && a !== panel; a = a.parentElement) {
          const s = getComputedStyle(a);
          clipX ||= s.overflowX !== "visible";
          clipY ||= s.overflowY !== "visible";
        }
        if (!clipX && (r.left < p.left - 0.5 || r.right > p.right + 0.5))
          out.push(
            `${name(el)} overflows ${panel.id} sideways (${r.left}..${r.right} in ${p.left}..${p.right})`,
          );
        if (!clipY && (r.top < p.top - 0.5 || r.bottom > p.bottom + 0.5))
          out.push(
            `${name(el)} overflows ${panel.id} (${r.top}..${r.bottom} in ${p.top}..${p.bottom})`,
          );
        const s = getComputedStyle(el);
        if (
          (s.overflowX === "auto" || s.overflowX === "scroll") &&
          el.scrollWidth > el.clientWidth + 1 &&
          !el.matches("pre.exports")
        )
          out.push(`${name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    return out;
  });
  /* oxlint-enable unicorn/consistent-function-scoping */
}

/**
 * The arcs drawn: each arc with its label inside the viewport and the org box, labels apart from
 * each other and right of their own arc, each arrowhead in its line's colour.
 */
export function arcProblems(page: Page): Promise<{ arcs: number; problems: string[] }> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const box = document.querySelector(".org-box")!.getBoundingClientRect();
    const edges = [...document.querySelectorAll<SVGGElement>("svg.edges g.edge")];
    const labels: { text: string; r: DOMRect }[] = [];
    for (const g of edges) {
      const path = g.querySelector("path")!;
      const label = g.querySelector("text");
      const what = g.querySelector("title")?.textContent ?? "an arc";
      for (const el of label === null ? [path] : [path, label]) {
        const r = el.getBoundingClientRect();
        if (r.left < 0 || r.right > window.innerWidth || r.top < 0 || r.bottom > window.innerHeight)
          problems.push(
            `${what}: ${el.tagName} outside the viewport (${r.left},${r.top}..${r.right},${r.bottom})`,
          );
        if (r.left < box.left || r.right > box.right)
          problems.push(`${what}: ${el.tagName} outside the org box`);
      }
      if (label !== null) {
        const r = label.getBoundingClientRect();
        if (r.left < path.getBoundingClientRect().right)
          problems.push(`${what}: its label is not clear of its own arc`);
        for (const o of labels)
          if (
            r.left < o.r.right &&
            o.r.left < r.right &&
            r.top < o.r.bottom - 1 &&
            o.r.top < r.bottom - 1
          )
            problems.push(`labels overlap: "${label.textContent}" and "${o.text}"`);
        labels.push({ text: label.textContent ?? "", r });
      }
      const id = /url\(["']?#([^"')]+)/.exec(path.getAttribute("marker-end") ?? "")?.[1];
      const tip = id === undefined ? null : document.getElementById(id)?.querySelector("path");
      const stroke = getComputedStyle(path).stroke;
      const fill = tip === null || tip === undefined ? "none" : getComputedStyle(tip).fill;
      if (fill !== stroke) problems.push(`${what}: arrowhead ${fill}, line ${stroke}`);
    }
    return { arcs: edges.length, problems };
  });
}
