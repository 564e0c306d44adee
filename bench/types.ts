/** What every benchmark section returns: table rows and the details that go to results.json. */
export interface Row {
  section: string;
  measure: string;
  merezha: string;
  peer: string;
  /** The figure the target is about (a ratio or a value), shown as text. */
  ratio: string;
  target: string;
  /** null when the row has no target. */
  met: boolean | null;
}

export interface SectionResult {
  rows: Row[];
  details: Record<string, unknown>;
  skipped?: string;
}

export interface BenchContext {
  quick: boolean;
  /** Where the soak's collector process writes a V8 CPU profile (--cpu-prof), if anywhere. */
  profileDir?: string;
  say: (message: string) => void;
}

export interface Section {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}
