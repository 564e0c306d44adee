import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests never touch the user's data (./data, config/hromada.yaml): see test/support/data-guard.ts.
    setupFiles: ['test/support/data-guard-setup.ts'],
    globalSetup: ['test/support/data-guard-global.ts'],
    // Integration tests start real influxd/snmpd processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll's default of 1 s is short for a Chromium page or a collector cycle while the other worker is busy; a
    // passing poll returns as soon as it holds, so only a failure waits this long.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // SNMPv3 DES privacy needs OpenSSL's legacy provider, as in bin/merezha.mjs.
    execArgv: ['--openssl-legacy-provider'],
    maxWorkers: 2,
  },
});
