#!/usr/bin/env node
import { adoptDeprecatedEnv } from "./env.js";
import { createProgram } from "./program.js";

adoptDeprecatedEnv(process.env, (text) => process.stderr.write(text));
await createProgram().parseAsync(process.argv);
