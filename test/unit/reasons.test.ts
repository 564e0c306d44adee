import { describe, expect, it } from 'vitest';
import { localizeReason } from '../../common/reasons.ts';

describe('reasons in Ukrainian', () => {
  it.each([
    ['answers', 'відповідає'],
    ['no data yet', 'ще немає даних'],
    ['no answer to ping', 'не відповідає на ping'],
    ['no answer to ping (host unreachable)', 'не відповідає на ping (вузол недосяжний)'],
    [
      'no answer to SNMP (no answer within 2000 ms (agent down, blocked, or wrong community/user))',
      'не відповідає на SNMP (немає відповіді за 2000 мс (агент вимкнений, заблокований або неправильні community/користувач))',
    ],
    ['packet loss 35%, round trip 412 ms', 'втрати пакетів 35%, затримка 412 мс'],
    [
      'SNMP not answering (authentication failed (wrong SNMPv3 auth key?))',
      'SNMP не відповідає (помилка автентифікації (неправильний ключ SNMPv3?))',
    ],
    ['interface ether1 is down', 'інтерфейс ether1 не працює'],
    ['cut off: makarykha-uplink is down', 'відрізаний: не працює makarykha-uplink'],
    ['maintenance window', 'технічне обслуговування'],
    ['HTTP 503, expected 200 or 204', 'HTTP 503, очікувався 200 або 204'],
    ['connection refused', 'з’єднання відхилено'],
    ['was cut off; waiting for an answer', 'був відрізаний; чекаємо відповіді'],
  ])('%s', (english, ukrainian) => {
    expect(localizeReason(english, 'uk')).toBe(ukrainian);
    expect(localizeReason(english, 'en')).toBe(english);
  });

  it('words why an alert record was not sent, without the episode key', () => {
    expect(localizeReason('part of down:ivankivtsi-uplink:1795342057379', 'uk')).toBe('надіслано разом з іншим сповіщенням');
    expect(localizeReason('part of down:ivankivtsi-uplink:1795342057379', 'en')).toBe('sent with another alert');
    expect(localizeReason('stopped flapping, down', 'uk')).toBe('зв’язок стабілізувався, стан: не працює');
    expect(localizeReason('now unreachable', 'uk')).toBe('тепер: недосяжний');
  });

  it('leaves what it does not know as it is', () => {
    expect(localizeReason('something new, packet loss 40%', 'uk')).toBe('something new, втрати пакетів 40%');
  });
});
