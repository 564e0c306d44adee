import { request } from './api.ts';

/**
 * A GET that follows its URL: fetched again whenever `path()` changes or `reload()` is called, the
 * previous request cancelled. Create it while a component initialises.
 */
export class Resource<T> {
  value = $state.raw<T | undefined>(undefined);
  error = $state.raw<unknown>(null);
  loading = $state(true);
  #version = $state(0);

  constructor(path: () => string) {
    $effect(() => {
      const url = path();
      void this.#version;
      const controller = new AbortController();
      this.loading = true;
      request<T>('GET', url, undefined, controller.signal).then(
        (value) => {
          this.value = value;
          this.error = null;
          this.loading = false;
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          this.error = error;
          this.loading = false;
        },
      );
      return () => controller.abort();
    });
  }

  reload(): void {
    this.#version++;
  }
}

/** A user action that calls the server: `busy` while it runs, `error` when it failed. */
export class Task {
  busy = $state(false);
  error = $state.raw<unknown>(null);

  /** Resolves to whether the action succeeded; the failure itself is kept in `error`. */
  async run(action: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await action();
      return true;
    } catch (error) {
      this.error = error;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
