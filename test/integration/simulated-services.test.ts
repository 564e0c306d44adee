/** The demo's stand-in website and mail server answer the real service probes, however often they are checked. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.ts';
import { httpProbe } from '../../collector/probes/http.ts';
import { tcpProbe } from '../../collector/probes/tcp.ts';
import { startServices, type SimulatedServices } from '../../simulator/services.ts';
import { loopbackAddress, testConfig } from '../support/config.ts';
import { freeTcpPort } from '../support/ports.ts';
import { NEVER_ABORTED } from '../../collector/probes/types.ts';

const host = loopbackAddress();
let services: SimulatedServices;
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  const [webPort, mailPort] = [await freeTcpPort(host), await freeTcpPort(host)];
  config = testConfig({
    villages: [{ id: 'v', name: 'V' }],
    services: [
      { id: 'website', name: 'Сайт громади', url: `http://${host}:${webPort}/` },
      { id: 'mail', name: 'Пошта', tcp: `${host}:${mailPort}` },
    ],
  });
  services = await startServices(config, silentLogger());
});

afterAll(() => services?.stop());

it('serves the website and the mail port to the probes, many times over', async () => {
  for (const kind of [httpProbe, tcpProbe]) {
    const runner = kind.create({ config, log: silentLogger() });
    const [target] = kind.targets(config);
    // A TCP check hangs up at once; the stand-in must shrug that off every time, not crash the process.
    for (let i = 0; i < 20; i++) {
      expect(await runner.run(target!, NEVER_ABORTED), `${kind.kind} #${i}`).toMatchObject({ up: true });
    }
  }
});
