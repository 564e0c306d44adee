/** What an SNMP GET or walk answers, as the client boundary (client.ts) and the requests without net-snmp (community.ts) give it. */
export interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}

/** A GET result slot: the value, or why the agent has none for that OID. */
export type GetResult = Varbind | { oid: string; missing: 'noSuchObject' | 'noSuchInstance' | 'endOfMibView' };
