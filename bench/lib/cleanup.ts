/**
 * Everything the benchmark starts (snmpd, influxd, nft tables, child
 * processes, temp dirs) registers its teardown here. Teardowns run in reverse
 * order at the end, on an error, and on Ctrl-C / SIGTERM; synchronous ones
 * (nft) also run from the 'exit' handler as a last resort.
 */
type Teardown = () => unknown;

const teardowns: { name: string; fn: Teardown; sync?: () => void }[] = [];
let running: Promise<void> | null = null;

/** Registers a teardown; returns a function that runs it now and unregisters it. */
export function defer(name: string, fn: Teardown, sync?: () => void): () => Promise<void> {
  const entry = { name, fn, sync };
  teardowns.push(entry);
  return async () => {
    const i = teardowns.indexOf(entry);
    if (i < 0) return;
    teardowns.splice(i, 1);
    await fn();
  };
}

export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (teardowns.length > 0) {
      const { name, fn } = teardowns.pop()!;
      try {
        await fn();
      } catch (err) {
        console.error(`bench: cleanup of ${name} failed: ${(err as Error).message}`);
      }
    }
  })().finally(() => {
    // Done: teardowns registered later (the next section's) are run by the next call.
    running = null;
  });
  return running;
}

let installed = false;

/** Ctrl-C, SIGTERM and crashes clean up before the process goes. */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    console.error(`\nbench: ${signal}: stopping everything it started ...`);
    // A second signal during cleanup is ignored; a hung cleanup is cut off.
    setTimeout(() => process.exit(130), 20_000).unref();
    void cleanupAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const { sync } of teardowns) {
      try {
        sync?.();
      } catch {
        // best effort
      }
    }
  });
}
