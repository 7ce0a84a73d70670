#!/usr/bin/env node
console.log("The demo arrives with the examples issue; for now run `./dev test`.");
