import { describe, expect, it } from 'vitest';
import { causeEvidenceText, causeText } from '../../common/words/cause.ts';
import { effectiveCause, latestNotes, type OutageNote } from '../../server/power/notes.ts';

const ZONE = 'Europe/Kyiv';
// 2026-12-05 14:32 in Kyiv (UTC+2).
const at = (hh: number, mm: number) => Date.UTC(2026, 11, 5, hh - 2, mm);
const names: Record<string, string> = { 'school-ups': 'Школа, ДБЖ', ukrtelecom: 'Укртелеком', tower: 'Водонапірна вежа' };
const uk = { locale: 'uk' as const, timeZone: ZONE, name: (id: string) => names[id] ?? id };
const en = { ...uk, locale: 'en' as const };

describe('the cause of an outage in words', () => {
  it('tells a power cut by its UPS, in local time', () => {
    const j = { cause: 'power' as const, evidence: { supply: 'school-ups', on_battery_at: at(14, 2), lost_at: at(14, 32) } };
    expect(causeText(j, uk)).toBe('відключення світла (ДБЖ «Школа, ДБЖ» на батареї з 14:02, розряджено о 14:32)');
    expect(causeText(j, en)).toBe('power cut (UPS "Школа, ДБЖ" on battery since 14:02, ran out at 14:32)');
  });

  it('tells a provider failure with mains present, and a scheduled slot, and an upstream cut', () => {
    expect(causeText({ cause: 'provider', evidence: { provider: 'ukrtelecom', supply: 'school-ups', mains_ok: true } }, uk)).toBe(
      'збій провайдера (канал Укртелеком не відповідає, живлення є за даними ДБЖ «Школа, ДБЖ»)',
    );
    expect(causeText({ cause: 'provider', evidence: { provider: 'ukrtelecom', supply: 'school-ups', mains_ok: true } }, en)).toBe(
      'provider failure (the Укртелеком line does not answer, mains present per UPS "Школа, ДБЖ")',
    );
    expect(causeText({ cause: 'device', evidence: { supply: 'school-ups', mains_ok: true } }, uk)).toBe(
      'несправність пристрою (живлення є за даними ДБЖ «Школа, ДБЖ»)',
    );
    const slot = { group: '3.1' as const, start: at(14, 0), end: at(18, 0) };
    expect(causeEvidenceText({ cause: 'scheduled_blackout', evidence: { slot } }, uk)).toBe('черга 3.1, 14:00–18:00');
    expect(causeText({ cause: 'upstream', evidence: { parent: 'tower' } }, en)).toBe('cut off upstream ("Водонапірна вежа" is down)');
    expect(causeText({ cause: 'unknown', evidence: {} }, uk)).toBe('причина невідома');
  });
});

describe('reclassification notes', () => {
  const note = (at: number, cause: OutageNote['cause']): OutageNote => ({
    subject: 'uplink',
    start: 1000,
    cause,
    note: `n${at}`,
    by: 'admin',
    at,
  });
  it('the latest note of an outage wins, and keeps the judged evidence beside it', () => {
    const latest = latestNotes([note(3, 'provider'), note(5, 'power'), note(4, 'device')]);
    expect(latest.size).toBe(1);
    const j = effectiveCause({ cause: 'unknown', evidence: { supply: 'school-ups' } }, latest.get('uplink@1000'));
    expect(j).toEqual({ cause: 'power', evidence: { supply: 'school-ups', note: { by: 'admin', text: 'n5', at: 5 } } });
    expect(effectiveCause(undefined, undefined)).toEqual({ cause: 'unknown', evidence: {} });
  });
});
