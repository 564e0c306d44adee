import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real influxd/snmpd processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // SNMPv3 DES privacy needs OpenSSL's legacy provider, as in bin/merezha.mjs.
    execArgv: ['--openssl-legacy-provider'],
    maxWorkers: 2,
  },
});
