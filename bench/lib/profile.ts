/**
 * Where a V8 CPU profile (`node --cpu-prof`) spent its time: self time per
 * function and per source file, as shares of the samples. The soak sections
 * put the top of it in their details when run with `--profile`, so a run says
 * where the collector's time goes without opening DevTools.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  seconds: number;
  /** Self time by function (name and place), largest first. */
  functions: ProfileShare[];
  /** Self time by source file (node internals by module, "(garbage collector)" and "(program)" as V8 names them). */
  files: ProfileShare[];
}

/** The newest .cpuprofile in `dir` written after `since` (ms since the epoch), if any. */
export function newestProfile(dir: string, since: number): string | undefined {
  let best: { path: string; at: number } | undefined;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((n) => n.endsWith('.cpuprofile'))) {
    const path = join(dir, name);
    const at = statSync(path).mtimeMs;
    if (at >= since && (!best || at > best.at)) best = { path, at };
  }
  return best?.path;
}

const top = (m: Map<string, number>, total: number, n: number): ProfileShare[] =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, pct: Math.round((us / total) * 1000) / 10 }));

export function summariseProfile(file: string, root: string, n = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id);
    if (!frame) return;
    total += us;
    const where = frame.url ? frame.url.replace(/^file:\/\//, '') : '';
    const place = where.startsWith('/') ? relative(root, where) : where;
    const fn = `${frame.functionName || '(anonymous)'}${place ? ` ${place}:${frame.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    const key = place || frame.functionName;
    files.set(key, (files.get(key) ?? 0) + us);
  });
  return { file, seconds: total / 1e6, functions: top(fns, total || 1, n), files: top(files, total || 1, n) };
}
