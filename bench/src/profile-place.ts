// Where a profiled frame's code lives, for the profile readers (profile-rounds.ts, alloc-profile.ts).

/** A frame's place: a package, one of agent-core's dist files, or Node's internals. */
export function place(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/\.pnpm\/([^/]+)\//.exec(url);
  if (pkg) return pkg[1]!.replace(/@\d.*$/, "");
  const core = /packages\/core\/dist\/(.*)$/.exec(url);
  if (core) return `core:${core[1]}`;
  if (url.startsWith("node:")) return url;
  return url.replace(/^file:\/\/.*\/(bench|packages)\//, "$1/");
}
