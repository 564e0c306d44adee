/**
 * The report's few plain sentences for residents, in Ukrainian, from its
 * figures. Pure. Numbers are written the Ukrainian way (a decimal comma),
 * durations in hours and minutes.
 */
import type { ReportData } from '../../common/report.ts';

const MONTHS = ['січні', 'лютому', 'березні', 'квітні', 'травні', 'червні', 'липні', 'серпні', 'вересні', 'жовтні', 'листопаді', 'грудні'];

export const ukNumber = (x: number, digits = 1) => x.toFixed(digits).replace('.', ',');

/** "2 год 5 хв", "45 хв", "менше хвилини". */
export function ukDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return 'менше хвилини';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h ? `${h} год` : '', m ? `${m} хв` : ''].filter(Boolean).join(' ');
}

/** "1 перерва", "3 перерви", "5 перерв". */
export function ukCount(n: number, forms: [string, string, string]): string {
  const d = n % 10;
  const dd = n % 100;
  const form = d === 1 && dd !== 11 ? forms[0] : d >= 2 && d <= 4 && (dd < 12 || dd > 14) ? forms[1] : forms[2];
  return `${n} ${form}`;
}

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
      `${ukCount(connected.length, ['населений пункт', 'населені пункти', 'населених пунктів'])} громади мали інтернет ${ukNumber(figures.villageUptimePct, 2)}% часу${worstText}.`,
    );
  }
  const longest = data.incidents[0];
  if (longest) {
    const most = [...connected].sort((a, b) => b.downtime_s - a.downtime_s)[0];
    const mostText =
      most && most.downtime_s > 0
        ? `; загалом найбільше без інтернету було село ${most.name} — ${ukCount(most.outages, ['перерва', 'перерви', 'перерв'])}, ${ukDuration(most.downtime_s)}`
        : '';
    out.push(`Найдовша перерва: ${longest.village_name} без зв'язку ${ukDuration(longest.duration_s)}${mostText}.`);
  } else if (figures.villageUptimePct !== null) {
    out.push('Жодне село не залишалося без інтернету повністю.');
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
    const where = `Безкоштовний Wi-Fi працює в ${ukCount(zones, ['зоні', 'зонах', 'зонах'])}`;
    if (counted.length === 0) {
      out.push(`${where}; скільки людей ним користувалися, за цей період даних немає.`);
    } else {
      const avg = Math.round(counted.reduce((a, v) => a + v.wifi.avg_clients!, 0) * 10) / 10;
      const peak = Math.round(Math.max(0, ...counted.map((v) => v.wifi.peak_clients ?? 0)));
      // A fraction takes «людини» («2,5 людини»); a whole number is declined like any count.
      const people = Number.isInteger(avg) ? ukCount(avg, ['людина', 'людини', 'людей']) : `${ukNumber(avg)} людини`;
      out.push(`${where}: в середньому ним водночас користувалися ${people}, найбільше — ${peak} в одній зоні.`);
    }
  }
  const dq = data.data_quality.monitored_pct;
  if (dq !== null && dq < 99.95) {
    out.push(`Мережа спостерігала ${ukNumber(dq)}% часу; час без даних не зараховано ні як роботу, ні як перерву.`);
  }
  return out.slice(0, 5);
}
