// A real headless Chromium for the canvas tests, driven with playwright-core. The browser is the
// machine's (Debian's `chromium`, which `./dev test` and `./dev screenshot` install when missing)
// or the one `MOLECULE_CHROMIUM` names; without one the tests are skipped with a printed reason.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium executable to drive, or `undefined` when the machine has none. */
function chromiumPath(): string | undefined {
  const fromEnv = process.env["MOLECULE_CHROMIUM"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Why the browser tests cannot run here (printed, never silent), or `undefined` when they can. */
export function noBrowserReason(): string | undefined {
  if (chromiumPath() !== undefined) return undefined;
  return `[canvas tests] SKIPPED: no Chromium on this machine (looked for ${CANDIDATES.join(", ")} and $MOLECULE_CHROMIUM). \`./dev test\` installs Debian's chromium package when it can (apt-get, as root); install it, or set MOLECULE_CHROMIUM to a Chromium executable.`;
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // root in a container: no user namespace sandbox; /dev/shm may be small.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

/** The console errors and uncaught exceptions of each page `openCanvas` opened. */
const errors = new WeakMap<Page, string[]>();

/** What the page logged as an error (a failed load, an exception) since it opened. */
export function consoleErrors(page: Page): string[] {
  return errors.get(page) ?? [];
}

/** Opens the canvas in a fresh tab and signs in with the admin token. */
export async function openCanvas(
  browser: Browser,
  canvasUrl: string,
  adminToken: string,
  viewport: { width: number; height: number } = { width: 1400, height: 1000 },
): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const seen: string[] = [];
  errors.set(page, seen);
  page.on("console", (m) => {
    if (m.type() === "error") seen.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => seen.push(String(e)));
  await page.goto(canvasUrl);
  await page.getByLabel("Admin token").fill(adminToken);
  await page.getByRole("button", { name: "Open the canvas" }).click();
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
  return page;
}
