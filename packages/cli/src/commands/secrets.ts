import type { Command } from "commander";

/** Warning printed when the workspace token was given as a command-line argument. */
const TOKEN_ON_ARGV_WARNING =
  "warning: --token on the command line is visible to other users of this machine (ps, /proc/<pid>/cmdline) and may be kept in your shell history; prefer MOLECULE_WORKSPACE_TOKEN or the token file";

/** Writes {@link TOKEN_ON_ARGV_WARNING} when `--token` came from the command line, not the environment. */
export function warnIfTokenOnArgv(
  command: Command,
  write: (text: string) => void,
  prefix: string,
): void {
  if (command.getOptionValueSource("token") === "cli")
    write(`${prefix} ${TOKEN_ON_ARGV_WARNING}\n`);
}

/**
 * A push URL fit for logs: its last path segment (the capability secret the platform POSTs to)
 * replaced by `<secret>`. Anyone holding the full URL can send messages as the platform.
 */
export function hidePathSecret(url: string): string {
  try {
    const u = new URL(url);
    const segments = u.pathname.split("/");
    const last = segments.length - 1;
    if (segments[last] === "") return `${u.origin}${u.pathname}`;
    segments[last] = "<secret>";
    return `${u.origin}${segments.join("/")}`;
  } catch {
    return "<push url hidden>";
  }
}
