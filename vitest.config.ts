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
    pool: 'forks',
    // SNMPv3 DES privacy needs OpenSSL's legacy provider, as in bin/merezha.mjs.
    execArgv: ['--openssl-legacy-provider'],
    maxWorkers: 2,
  },
});
