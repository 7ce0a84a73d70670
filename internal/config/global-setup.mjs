// Removes the state folder the tests' agents wrote (vitest.mjs sets MOLECULE_STATE_DIR to it).
import { rmSync } from "node:fs";

export default function setup() {
  const dir = process.env.MOLECULE_STATE_DIR;
  return () => {
    if (dir?.includes("molecule-test-state")) rmSync(dir, { recursive: true, force: true });
  };
}
