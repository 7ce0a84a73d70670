// The journal of a file store's state (`FileCursorStore`): instead of rewriting the whole state at
// every save, a save appends one line holding what changed since the previous save. Pure functions:
// the diff of two states, applying a line, reading a journal's text. The file handling (appends,
// compaction into the sidecar, syncs) is in cursor-store.ts.
//
// A line is one JSON object, every part optional:
//   s  fields set to a new value       {"s": {"cursor": "act-9", "inFlight": [...]}}
//   d  fields removed                  {"d": ["cursorAt"]}
//   l  list edits: field -> [ranges of the previous list removed ([start, count], ascending),
//      items appended]                 {"l": {"seenActivityIds": [[[0, 1]], ["act-9"]]}}
//   f  the plain cursor file now holds this cursor (null: removed)  {"f": "act-9"}
// The de-duplication windows change by a few ids a save (the oldest dropped, the newest appended),
// so a line stays a few hundred bytes however large the windows are.

import { droppedSince } from "../inbound/index.js";

/** One journal line (see the file comment). */
export interface JournalRecord {
  s?: Record<string, unknown>;
  d?: string[];
  l?: Record<string, [Array<[number, number]>, unknown[]]>;
  f?: string | null;
}

/** A journal that cannot be applied (corrupted, or not written by this store). */
export class JournalError extends Error {}

type State = Record<string, unknown>;

/**
 * How `next` differs from `previous` as a list edit: the ranges of `previous` dropped and the items
 * appended (items are compared by identity: the state's lists keep their unchanged items). A
 * greedy walk, always exact; `undefined` when the edit would not be smaller than the list itself.
 * A de-duplication window's arrays say how they changed (`droppedSince`): such a list is not walked.
 */
function listEdit(
  previous: readonly unknown[],
  next: readonly unknown[],
): [Array<[number, number]>, unknown[]] | undefined {
  const dropped = droppedSince(next, previous);
  if (dropped !== undefined) {
    return smaller(dropped > 0 ? [[0, dropped]] : [], next, previous.length - dropped);
  }
  const ranges: Array<[number, number]> = [];
  let j = 0;
  for (let i = 0; i < previous.length; i++) {
    if (j < next.length && previous[i] === next[j]) {
      j++;
      continue;
    }
    const last = ranges.at(-1);
    if (last !== undefined && last[0] + last[1] === i) last[1]++;
    else ranges.push([i, 1]);
  }
  return smaller(ranges, next, j);
}

/** The edit dropping `ranges` and appending `next`'s items from `kept` on, unless not smaller. */
function smaller(
  ranges: Array<[number, number]>,
  next: readonly unknown[],
  kept: number,
): [Array<[number, number]>, unknown[]] | undefined {
  const added = next.length - kept;
  if (ranges.length + added >= next.length && next.length > 0) return undefined;
  return [ranges, next.slice(kept)];
}

/**
 * The journal line that turns `previous` into `next`, or `undefined` when nothing changed. Fields
 * holding the same value (the same list object included) are left out; lists are written as edits.
 */
export function diffState(previous: State, next: State): JournalRecord | undefined {
  const rec: JournalRecord = {};
  for (const key of Object.keys(next)) {
    const value = next[key];
    const before = previous[key];
    if (value === before || value === undefined) continue; // removed fields: below
    if (Array.isArray(value) && Array.isArray(before)) {
      const edit = listEdit(before, value);
      if (edit !== undefined) {
        if (edit[0].length > 0 || edit[1].length > 0) (rec.l ??= {})[key] = edit;
        continue; // else the same items in a new list
      }
    }
    (rec.s ??= {})[key] = value;
  }
  for (const key of Object.keys(previous)) {
    if (previous[key] !== undefined && next[key] === undefined) (rec.d ??= []).push(key);
  }
  return rec.s || rec.l || rec.d ? rec : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `list` with `ranges` removed and `added` appended; throws when the edit does not fit it. */
function applyEdit(list: unknown, edit: unknown): unknown[] {
  if (!Array.isArray(list) || !Array.isArray(edit) || edit.length !== 2) {
    throw new JournalError("a list edit does not match the list it edits");
  }
  const [ranges, added] = edit as [unknown, unknown];
  if (!Array.isArray(ranges) || !Array.isArray(added)) {
    throw new JournalError("a list edit is malformed");
  }
  const out: unknown[] = [];
  let at = 0;
  for (const r of ranges) {
    const [start, count] = Array.isArray(r) ? (r as unknown[]) : [];
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(count) ||
      (start as number) < at ||
      (count as number) < 1 ||
      (start as number) + (count as number) > list.length
    ) {
      throw new JournalError("a list edit removes items the list does not have");
    }
    for (let i = at; i < (start as number); i++) out.push(list[i]);
    at = (start as number) + (count as number);
  }
  for (let i = at; i < list.length; i++) out.push(list[i]);
  for (const item of added) out.push(item);
  return out;
}

/**
 * Applies one parsed journal line to `state` (in place). Returns the cursor file's value when the
 * line records one (`f`), else `undefined`. Throws a {@link JournalError} on a line that is not
 * one this store writes.
 */
export function applyRecord(state: State, rec: unknown): { file: string | null } | undefined {
  if (!isRecord(rec)) throw new JournalError("a line is not a JSON object");
  const { s, d, l, f } = rec;
  if (s !== undefined) {
    if (!isRecord(s)) throw new JournalError("a line's set fields are malformed");
    for (const [k, v] of Object.entries(s)) state[k] = v;
  }
  if (l !== undefined) {
    if (!isRecord(l)) throw new JournalError("a line's list edits are malformed");
    for (const [k, edit] of Object.entries(l)) state[k] = applyEdit(state[k], edit);
  }
  if (d !== undefined) {
    if (!Array.isArray(d)) throw new JournalError("a line's removed fields are malformed");
    for (const k of d) if (typeof k === "string") delete state[k];
  }
  if (f === undefined) return undefined;
  if (f !== null && typeof f !== "string")
    throw new JournalError("a line's cursor file is malformed");
  return { file: f };
}

/**
 * The lines of a journal, parsed. A last line without its newline, or one that does not parse, is
 * a write the process or the machine did not finish (a torn tail): it is left out. A line that does
 * not parse followed by complete ones is corruption: a {@link JournalError}.
 */
export function readJournal(text: string): unknown[] {
  const out: unknown[] = [];
  let from = 0;
  while (from < text.length) {
    const end = text.indexOf("\n", from);
    if (end === -1) break; // torn tail: never completed
    const line = text.slice(from, end);
    from = end + 1;
    if (line === "") continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      if (text.slice(from).trim() === "") break; // torn tail ending in a newline
      throw new JournalError(`line ${out.length + 1} is not valid JSON`);
    }
  }
  return out;
}
