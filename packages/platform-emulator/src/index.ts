// Public API arrives with the emulator issue.
export {};
