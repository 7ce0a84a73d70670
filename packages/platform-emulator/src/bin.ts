#!/usr/bin/env node
console.log("molecule-platform-emulator: not implemented yet");
