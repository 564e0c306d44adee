/**
 * The report's few plain sentences for residents, in Ukrainian, from its
 * figures. Pure. Numbers are written the Ukrainian way (a decimal comma);
 * counts, durations and their nouns the way every text of Merezha writes
 * them (common/words).
 */
import type { ReportData } from '../../common/report.ts';
import { formatDuration } from '../../common/words/duration.ts';
import { count, type PluralForms } from '../../common/words/plural.ts';

const MONTHS = ['січні', 'лютому', 'березні', 'квітні', 'травні', 'червні', 'липні', 'серпні', 'вересні', 'жовтні', 'листопаді', 'грудні'];

const VILLAGES: PluralForms['uk'] = {
  one: 'населений пункт',
  few: 'населені пункти',
  many: 'населених пунктів',
  other: 'населеного пункту',
};
export const OUTAGES: PluralForms['uk'] = { one: 'перерва', few: 'перерви', many: 'перерв', other: 'перерви' };
/** Invincibility Points: «1 пункт незламності», «3 пункти незламності». */
export const POINTS: PluralForms['uk'] = {
  one: 'пункт незламності',
  few: 'пункти незламності',
  many: 'пунктів незламності',
  other: 'пункту незламності',
};
/** After «в»: «в 1 зоні», «в 5 зонах». */
const IN_ZONES: PluralForms['uk'] = { one: 'зоні', few: 'зонах', many: 'зонах', other: 'зоні' };
const PEOPLE: PluralForms['uk'] = { one: 'людина', few: 'людини', many: 'людей', other: 'людини' };

export const ukNumber = (x: number, digits = 1) => x.toFixed(digits).replace('.', ',');

export function summaryOf(data: Omit<ReportData, 'summary'>, figures: { villageUptimePct: number | null }): string[] {
  const out: string[] = [];
  const connected = data.villages.filter((v) => v.uplinks > 0);
  if (figures.villageUptimePct === null) {
    out.push('За цей період Мережа не має даних про роботу інтернету в селах громади.');
  } else {
    const worst = data.months.filter((m) => m.village_uptime_pct !== null).sort((a, b) => a.village_uptime_pct! - b.village_uptime_pct!)[0];
    const worstText =
      worst && worst.village_uptime_pct! < 100
        ? `; найгірше було в ${MONTHS[Number(worst.month.slice(5)) - 1]} (${ukNumber(worst.village_uptime_pct!, 2)}%)`
        : '';
    out.push(
      `${count(connected.length, VILLAGES, 'uk')} громади мали інтернет ${ukNumber(figures.villageUptimePct, 2)}% часу${worstText}.`,
    );
  }
  const longest = data.incidents[0];
  if (longest) {
    const most = [...connected].sort((a, b) => b.downtime_s - a.downtime_s)[0];
    const mostText =
      most && most.downtime_s > 0
        ? `; загалом найбільше без інтернету було село ${most.name} — ${count(most.outages, OUTAGES, 'uk')}, ${formatDuration(most.downtime_s, 'uk')}`
        : '';
    out.push(`Найдовша перерва: ${longest.village_name} без зв'язку ${formatDuration(longest.duration_s, 'uk')}${mostText}.`);
  } else if (figures.villageUptimePct !== null) {
    out.push('Жодне село не залишалося без інтернету повністю.');
  }
  const offline = data.power.villages.reduce((a, v) => a + v.downtime_s, 0);
  const dark = data.power.villages.reduce((a, v) => a + v.power_downtime_s, 0);
  if (dark > 0) {
    out.push(
      `Через відключення світла села були без зв'язку ${formatDuration(dark, 'uk')} — ${ukNumber((dark / offline) * 100)}% усього часу без зв'язку.`,
    );
  }
  if (data.kpis.length > 0) {
    const measured = data.kpis.filter((k) => k.met !== null);
    const failed = measured.filter((k) => !k.met);
    out.push(
      `Виконано ${measured.length - failed.length} з ${data.kpis.length} цілей стратегії` +
        (failed.length ? `; не виконано: ${failed.map((k) => `«${k.title}»`).join(', ')}.` : '.'),
    );
  }
  const zones = data.villages.reduce((a, v) => a + v.wifi.zones, 0);
  const counted = data.villages.filter((v) => v.wifi.avg_clients !== null);
  if (zones > 0) {
    const where = `Безкоштовний Wi-Fi працює в ${count(zones, IN_ZONES, 'uk')}`;
    if (counted.length === 0) {
      out.push(`${where}; скільки людей ним користувалися, за цей період даних немає.`);
    } else {
      const avg = Math.round(counted.reduce((a, v) => a + v.wifi.avg_clients!, 0) * 10) / 10;
      const peak = Math.round(Math.max(0, ...counted.map((v) => v.wifi.peak_clients ?? 0)));
      out.push(`${where}: в середньому ним водночас користувалися ${count(avg, PEOPLE, 'uk')}, найбільше — ${peak} в одній зоні.`);
    }
  }
  const dq = data.data_quality.monitored_pct;
  if (dq !== null && dq < 99.95) {
    out.push(`Мережа спостерігала ${ukNumber(dq)}% часу; час без даних не зараховано ні як роботу, ні як перерву.`);
  }
  return out.slice(0, 5);
}
