/** The registry of probe kinds: adding a kind is one file and one line here. */
import { httpProbe } from './http.ts';
import { pingProbe } from './ping.ts';
import { powerProbe } from './power.ts';
import { snmpProbe } from './snmp.ts';
import { tcpProbe } from './tcp.ts';
import type { ProbeKind } from './types.ts';

// Each kind is typed by its own target, result and sample; the collector and its listeners treat them uniformly.
export const PROBE_KINDS: ProbeKind<any, any>[] = [pingProbe, snmpProbe, httpProbe, tcpProbe, powerProbe];
