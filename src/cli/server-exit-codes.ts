// Exit codes of the server process; docs/operations.md says the same.
/** Exit codes of the server process. */
export const EXIT = Object.freeze({ stopped: 0, failed: 1, notStarted: 2 });
