// The handler the CLI's `connect` runs in the runtime test set.
export default (msg) => `echo: ${msg.text}`;
