// The plugin registers several times in one process (host notes): a process-wide supervisor counts
// the registrations that use it, and the last one to leave stops what it runs.

/** Returns the detach for one registration; `stop` runs when the last one detaches (each detach counts once). */
export function attachRegistration(counter: { users: number }, stop: () => Promise<void>): () => Promise<void> {
  counter.users++;
  let detached = false;
  return async () => {
    if (detached) return;
    detached = true;
    if (--counter.users === 0) await stop();
  };
}
