#!/usr/bin/env node
console.log("molecule-agent: not implemented yet");
