/**
 * What `merezha --help` and `merezha <command> --help` print. Kept apart from
 * the commands, so that help loads none of them (nor net-snmp, influx, pdfkit);
 * test/unit/cli-args.test.ts holds each usage to the OPTIONS its command exports.
 */

/** Where option texts start: two spaces after the longest flag. Texts of up to 61 characters keep lines within 80. */
const COLUMN = 17;

/** An option table: flags in one column, their text (lines split by \n) in the next. */
function options(...rows: [flag: string, text: string][]): string {
  const indent = `\n  ${' '.repeat(COLUMN)}`;
  return rows.map(([flag, text]) => `  ${flag.padEnd(COLUMN)}${text.replaceAll('\n', indent)}`).join('\n');
}

const CONFIG: [string, string] = [
  '--config FILE',
  'the config (default: MEREZHA_CONFIG, else\nconfig/hromada.yaml, else the demo of config/example.yaml)',
];

const INFLUXDB = `InfluxDB: INFLUX_URL or storage.influx.url, else the managed influxd of
storage.managed_dir, started for the command while Merezha is stopped.`;

export interface CommandUsage {
  /** The line in `merezha --help`. */
  summary: string;
  /** What `merezha <command> --help` prints. */
  usage: string;
}

export const USAGES = {
  start: {
    summary: 'run the monitor: collector, alerts, dashboard, status page',
    usage: `Usage: merezha start [--config FILE] [--simulate]

Runs the whole monitor until SIGINT/SIGTERM: the collector (ping, SNMP,
service checks), the storage (a managed influxd unless INFLUX_URL or
storage.influx names one), the state engine and alerts, and the dashboard
with the public status page. Without a config of yours it runs the demo
hromada, with simulated devices and a simulated past.

${options(CONFIG, ['--simulate', "also simulate the config's devices on loopback (always on\nfor the demo)"])}

The dashboard listens on server.port (PORT overrides it); the first admin's
password is MEREZHA_ADMIN_PASSWORD, or one generated and logged once.

SIGHUP (systemctl reload merezha) reads the config file again: devices,
services, villages, polling intervals, states and alerts change at once,
without alerts for the change; server.*, storage.*, polling.concurrency,
hromada.timezone and alerts.dashboard_url need a restart. A file with errors
changes nothing and its errors are logged.
`,
  },
  'check-config': {
    summary: 'validate a config file; exit 1 with every error',
    usage: `Usage: merezha check-config FILE

Validates a config file: prints a one-line summary and exits 0, or prints
every error as FILE:LINE path: message and exits 1.
`,
  },
  poll: {
    summary: 'poll devices now and print what they answer',
    usage: `Usage: merezha poll [--config FILE] [--device ID] [--once] [--json]

Polls the config's devices now (ping, and SNMP where the config has it) and
prints what they answer. Without --once it polls again every ping interval
until Ctrl-C, which is how traffic rates (two readings) appear.

${options(
  CONFIG,
  ['--device ID', 'only this device'],
  ['--once', 'poll once and exit'],
  ['--json', 'an array with one object per device instead of a table'],
)}
`,
  },
  discover: {
    summary: 'ask an SNMP agent, or a range, what a config needs',
    usage: `Usage: merezha discover HOST [--port N] [--json] [--timeout D] [--retries N]
         (--credential ID [--config FILE] | --community C | --user U ...)
       merezha discover --range CIDR [--concurrency N] [--skip-ping] ...

Asks one SNMP agent what a config needs to monitor it: its make and vendor
(sysObjectID and the vendor MIBs that answer), the kind to give it, its
interfaces (IF-MIB) and the uplink among them (the default route's, else the
busiest), its Wi-Fi clients, its LLDP/CDP neighbours and the parent they
suggest among the config's devices; then a device entry ready to paste.

${options(
  ['--port N', "the UDP port of the agent (default: 161, or the configured\ndevice's)"],
  ['--credential ID', "a credential of the config's snmp_credentials"],
  [
    '--config FILE',
    'the config: credentials, and the devices that neighbours\nand addresses are matched to (default: MEREZHA_CONFIG,\nelse config/hromada.yaml; never the demo)',
  ],
  ['--community C', 'an SNMPv2c community (v1 with --snmp-version 1)'],
  ['--snmp-version', '1 or 2c with --community (default 2c); 3 with --user'],
  [
    '--user U',
    'an SNMPv3 user, with --auth-protocol md5|sha|sha224|\nsha256|sha384|sha512 and --auth-key K, and then\n--priv-protocol des|aes|aes256b|aes256r and --priv-key K\n(the keys can come from MEREZHA_SNMP_AUTH_KEY and\nMEREZHA_SNMP_PRIV_KEY instead)',
  ],
  ['--timeout D', 'per request, e.g. 500ms (default: polling.snmp.timeout,\nelse 2s)'],
  ['--retries N', 'per request (default: polling.snmp.retries, else 1; with\n--range 0)'],
  ['--range CIDR', 'sweep an IPv4 range of at most a /16 instead: ping every\naddress, then ask those that answer over SNMP'],
  ['--concurrency N', 'addresses asked over SNMP at once (default 64)'],
  ['--skip-ping', 'ask every address of the range, also those that do not\nanswer ping'],
  ['--json', 'one object (an array with --range) instead of the summary'],
)}

Without a credential option each credential of the config is tried in turn,
a configured device's own first. Secrets are never printed. With --range one
line (one object) per agent that answered, those already in the config
marked; a progress line goes to standard error.
Exit status: 0 discovered (or swept), 1 no answer or a config error, 2 wrong
usage.
`,
  },
  import: {
    summary: 'load past outages from a CSV file',
    usage: `Usage: merezha import --from DATE --to DATE --outages FILE.csv
                      [--config FILE] [--dry-run]

Loads past availability: from --from up to (not including) --to, every device
and service of the config counts as monitored and up, except during the
outages listed in the CSV file.

${options(
  ['--from, --to', "a date (YYYY-MM-DD: midnight in the hromada's time zone)\nor an ISO 8601 time; --to may not be in the future"],
  [
    '--outages FILE',
    'CSV file (UTF-8) with the header device,start,end and one\nrow per outage:\n' +
      '  device      a device id of the config, or service:<id>\n' +
      '  start, end  ISO 8601 times: 2026-01-05T14:30+02:00,\n' +
      '              2026-01-05T12:30Z, or without an offset\n' +
      "              (2026-01-05 14:30), read in the hromada's time\n" +
      '              zone (hromada.timezone)',
  ],
  ['--config FILE', 'your config (default: MEREZHA_CONFIG, else\nconfig/hromada.yaml; never the demo: history is permanent)'],
  ['--dry-run', 'check everything and print the points that would be written'],
)}

Nothing is written when a row is wrong, or when the range overlaps data
Merezha measured itself or an earlier import; every problem is printed, rows
as FILE:LINE: message. Exit status: 0 imported, 1 refused, 2 wrong usage.
${INFLUXDB}
`,
  },
  inventory: {
    summary: 'add devices and villages from a spreadsheet (CSV)',
    usage: `Usage: merezha inventory import FILE.csv [--config FILE] [--dry-run]

Adds the devices of a spreadsheet saved as CSV, one a row, to the config
file, and the villages they name that it does not have yet. UTF-8 (with or
without a BOM) or Windows-1251, and "," or ";" between fields: both are found
and said.

The first row names the columns, in English or Ukrainian, in any case; units
in parentheses are ignored and a column «примітка» (notes) is skipped:

${options(
  ['village', 'село, населений пункт: a village of the config (id or\nname), or the name of a new one'],
  ['name', 'назва: the id is made from it by the official\ntransliteration (Макарихська гімназія →\nmakarykhska-himnaziia)'],
  ['id', 'ідентифікатор: an id of your own instead'],
  ['kind', 'тип, вид: uplink, wifi, institution, or «канал зв’язку»,\n«точка Free WiFi», «заклад»'],
  ['category', 'категорія: school, kindergarten, clinic, library,\nculture, council, cnap, other, or «школа», «гімназія»...'],
  ['host', 'адреса, хост, IP: the address pinged and polled'],
  ['provider', 'провайдер: a provider of the config, by id or name'],
  ['parent', 'батьківський пристрій, підключено до: a device of the\nconfig or of the file, by id or name'],
  ['bandwidth_mbps', 'швидкість, смуга (Мбіт/с): 100 or 100,5'],
  ['credential', 'облікові дані (SNMP): a name of snmp_credentials, to\npoll the device by SNMP too'],
  ['port', 'порт: its SNMP port (default 161)'],
  ['interface', 'інтерфейс: ifName or ifDescr, or ifIndex (a number)'],
  [
    'vendor',
    'виробник: of a wifi point: mikrotik, unifi, tplink, or\ngeneric with a clients_oid column; of a UPS: ups-mib\n(RFC 1628) or apc',
  ],
  ['installed', 'встановлено, дата встановлення: 2026-01-05 or\n05.01.2026'],
  ['public', 'публічний: так or ні, shown on the public status page'],
  ['power_group', 'черга (відключень): the blackout queue, 1.1 … 6.2'],
  ['invincibility_point', 'пункт незламності: так or ні'],
  ['backup_power', 'резервне живлення: ups, generator, battery, none\n(«ДБЖ», «генератор», «акумулятор», «немає»)'],
  ['backup_link', 'резервний зв’язок: starlink, xpon, mobile, none\n(«старлінк», «оптика», «мобільний», «немає»)'],
)}

${options(
  ['--config FILE', 'your config (default: MEREZHA_CONFIG, else\nconfig/hromada.yaml; never the demo of config/example.yaml)'],
  ['--dry-run', 'check everything and print what would be added'],
)}

All or nothing: while a row, or the config with the rows added, has a
mistake, every one is printed as FILE:LINE column: message and nothing is
written. An id already taken, in the config or by another row, is a mistake:
give the row an id, or a more specific name. Otherwise the config keeps its
comments and order, the previous file is kept as FILE.DATE.bak, and a running
Merezha is sent SIGHUP (the pid in merezha.pid of server.data_dir) to read it.
Exit status: 0 imported (or checked, with --dry-run), 1 refused, 2 wrong
usage.
`,
  },
  power: {
    summary: 'import the blackout schedule (ГПВ), show today and tomorrow',
    usage: `Usage: merezha power import-schedule FILE [--format json|csv] [--config FILE]
       merezha power schedule [--json] [--config FILE]

import-schedule reads a blackout schedule (графік погодинних відключень)
and merges it into power-schedule.json of server.data_dir: the days it gives
replace those days, the others stay; days older than 14 days go. A running
Merezha takes it within a minute, without a restart, and writes its slots to
InfluxDB (blackout). Then it prints, in the hromada's language, the queues,
days and slots it read, who in the config is on each queue, and the queues
of the config the schedule has no slot for.

${options(
  [
    '--format F',
    'json: the DTEK ГПВ feed (DisconSchedule fact/preset) or\n' +
      'Yasno planned outages; csv: a header group,start,end (and\n' +
      'optionally kind: definite or possible), one row per slot,\n' +
      "times in ISO 8601, without an offset in the hromada's time\n" +
      '(default: json when the file starts with { or [, else csv)',
  ],
  ['--json', 'schedule: one object instead of the text'],
  CONFIG,
)}

schedule prints today's and tomorrow's slots of every queue with the
villages and devices on it (power_group in the config).
A file with a mistake is refused, every problem printed, and nothing is
changed. Exit status: 0 done, 1 refused, 2 wrong usage.
`,
  },
  report: {
    summary: 'the connectivity report as json, csv, html or pdf',
    usage: `Usage: merezha report [--year YYYY | --from DATE --to DATE]
                      [--format json|csv|csv-excel|html|pdf] [--out FILE]
                      [--config FILE]

The connectivity report of the hromada: the KPIs of its strategy (kpis: in
the config) target against actual, villages, providers against their SLA,
services, devices, months, the longest outages, how much was monitored, and
the InfluxQL behind every figure.

${options(
  ['--year YYYY', "a calendar year in the hromada's time zone (default: this\nyear; figures stop at the present moment)"],
  ['--from, --to', "any range instead: a date (midnight in the hromada's time\nzone) or an ISO 8601 time; --to is not included"],
  [
    '--format F',
    'json (the default): every table in one object (open data)\n' +
      'csv: every table in one UTF-8 file, the first column naming\n' +
      '  the table of each row (open data: "," and decimal points)\n' +
      'csv-excel: the same for Excel or LibreOffice in a Ukrainian\n' +
      '  locale: ";" between fields, decimal commas (99,5)\n' +
      'html: one self-contained page in Ukrainian, ready to print\n' +
      'pdf: an A4 document (needs the Debian fonts-dejavu-core)',
  ],
  ['--out FILE', 'the file to write (default: standard output)'],
  CONFIG,
)}

A progress line goes to standard error. Exit status: 0 written, 1 refused,
2 wrong usage.
${INFLUXDB}
`,
  },
  simulate: {
    summary: 'run simulated devices on loopback (docs/simulator.md)',
    usage: `Usage: merezha simulate --scenario FILE [--config FILE] [--truth FILE]
                        [--duration D] [--no-nft]
       merezha simulate --demo [--config FILE] [--truth FILE] [--duration D]
                        [--no-nft]
       merezha simulate --generate --villages N --devices M --out DIR [--port P]

Serves the config's devices as SNMP agents on loopback (127.0.0.0/8 only) and
plays a fault timeline on them until Ctrl-C or the scenario's duration; then
writes the ground truth. Or, with --generate, writes a large hromada for load
tests. See docs/simulator.md.

${options(
  ['--scenario FILE', 'the scenario to play'],
  ['--demo', 'play the demo timeline over the config instead: a fault\nevery few minutes, each in another village'],
  [
    '--config FILE',
    "the config to simulate; wins over the scenario's config:\n(default: MEREZHA_CONFIG, else config/hromada.yaml, else\nthe demo)",
  ],
  ['--truth FILE', 'write the ground truth (JSON) here when the simulation stops'],
  ['--duration D', "how much scenario time to play (e.g. 10m); replaces the\nscenario's duration"],
  ['--no-nft', 'no nftables even as root: the agents alone play outages\nand packet loss'],
  [
    '--generate',
    'write DIR/hromada.yaml and DIR/scenario.yaml: --villages N\nvillages of --devices M devices each, --out DIR, all SNMP\nagents on --port P',
  ],
)}
`,
  },
  schema: {
    summary: 'print the JSON Schema of the config file',
    usage: `Usage: merezha schema [--out FILE]

Prints the JSON Schema of the config file, for editors that check YAML.

${options(['--out FILE', 'write it to FILE instead of standard output'])}
`,
  },
  status: {
    summary: 'is the service up: collector, spool, InfluxDB, last backup',
    usage: `Usage: merezha status [--config FILE] [--json]

Asks the running Merezha of the config (/api/health on server.host and
server.port, or PORT) whether it is up, and prints why it is degraded, the
collector (polls, the last one completed, the largest lag), the spool, whether
InfluxDB takes writes, and the last backup.

${options(CONFIG, ['--json', 'one object: running, url, health (the /api/health answer)\nand error'])}

Exit status: 0 up, 1 degraded or not answering, 2 wrong usage, 3 not running.
`,
  },
  user: {
    summary: 'list dashboard users, add one, reset a password',
    usage: `Usage: merezha user list [--config FILE | --central FILE]
       merezha user add NAME --role admin|viewer [--password-stdin]
                    [--config FILE | --central FILE]
       merezha user reset-password NAME [--password-stdin]
                    [--config FILE | --central FILE]

The dashboard's accounts, in the users file of server.data_dir. list prints
names, roles and when each was made (never a password hash). add makes a user;
reset-password sets a new password and signs out the user's sessions. Both
print a generated password once, or take the first line of standard input.

${options(
  ['--role R', 'admin (manages users, acknowledges alerts) or viewer'],
  ['--password-stdin', 'read the password from standard input (10 to 200\ncharacters) instead of generating one'],
  CONFIG,
  ['--central FILE', "a central.yaml instead: the oblast dashboard's accounts\n(merezha central), times in its oblast.timezone"],
)}

add and reset-password refuse while Merezha (or merezha central) runs on the
config's server.host and server.port, or PORT (its server would overwrite the
change): stop it first, e.g. systemctl stop merezha. Run as root, they leave
the files owned by the data folder's owner.
Exit status: 0 done, 1 refused, 2 wrong usage.
`,
  },
  alert: {
    summary: 'send a test message through an alert channel',
    usage: `Usage: merezha alert test --channel ID [--config FILE]

Sends one test message, marked as such («Перевірка сповіщень Merezha» in
Ukrainian, event "test" in a webhook), through a channel of alerts.channels,
with the channel's real settings and the delivery timeout, and prints whether
it went out or the channel's error (secrets removed). One attempt, no retries.

${options(['--channel ID', 'the id of a channel in alerts.channels'], CONFIG)}

Exit status: 0 sent, 1 not sent, 2 wrong usage.
`,
  },
  backup: {
    summary: 'one archive of the installation, made while it runs',
    usage: `Usage: merezha backup [--config FILE] [--out FILE]

Writes one archive (.tar.gz, 0600) of the installation while Merezha runs or
not: the config file, the accounts with their API tokens, the maintenance
windows (not the sessions), and InfluxDB's portable backup of the database
(measurements, outages, the alert log), with a manifest of sizes and SHA-256
checksums. Secrets kept in merezha.env are not in it: keep that file apart.

${options(
  [
    '--out FILE',
    'the archive (default: merezha-backup-DATE-TIME.tar.gz in\nbackup.dir, whose oldest beyond backup.keep are then\ndeleted; else in the current folder)',
  ],
  CONFIG,
)}

Exit status: 0 written, 1 failed (nothing written), 2 wrong usage.
${INFLUXDB} While Merezha runs,
the backup is made through its influxd.
`,
  },
  restore: {
    summary: 'put a backup back onto a stopped or fresh installation',
    usage: `Usage: merezha restore FILE [--config FILE]

Restores an archive of merezha backup: its config replaces the config file,
then the accounts and maintenance windows go to its server.data_dir and the
database to its InfluxDB (a new managed influxd folder in storage.managed_dir;
an InfluxDB of yours must not hold the database yet). Sessions are not
restored: everyone signs in again, with the passwords they had.

The archive is checked first: a damaged, cut or foreign file, an archive of a
newer Merezha, a config that does not load here (set its \${NAME} secrets in
merezha.env first) or a running Merezha are refused, and nothing is changed.
What a restore replaces is kept beside it (NAME.before-restore-DATE-TIME).

${options(['--config FILE', 'where the config goes (default: MEREZHA_CONFIG, else\nconfig/hromada.yaml; never the demo of config/example.yaml)'])}

Exit status: 0 restored, 1 refused or failed (nothing changed), 2 wrong usage.
`,
  },
  'nats-config': {
    summary: "write the oblast NATS cluster's configs and credentials",
    usage: `Usage: merezha nats-config --out DIR (--hromadas ID,ID,... | --config FILE)
                           [--hosts H1,H2,H3] [--port N] [--cluster-port N]
                           [--monitor-port N] [--store-dir DIR]

Writes into DIR the configs of a 3-node NATS cluster with JetStream
(node-1.conf ..., for Debian's nats-server) and an nkey seed per party:
central.nk for merezha central, <hromada>.nk for each hromada's forward:.
Each hromada's user may publish only under merezha.<hromada>.>; the
central's may read them all and drive JetStream but not publish as a
hromada. Seeds already in DIR are kept (add a hromada and run it again); the
node configs are written anew.

${options(
  ['--out DIR', 'where the files go'],
  ['--hromadas IDS', 'the hromada ids, comma-separated'],
  ['--config FILE', 'or the hromadas: of a central.yaml'],
  ['--hosts HOSTS', "the nodes' addresses, one per node (default: three\nnodes on 127.0.0.1, on consecutive ports)"],
  ['--port N', 'the client port (default 4222)'],
  ['--cluster-port N', 'the route port between nodes (default 6222)'],
  ['--monitor-port N', 'the monitoring port, /healthz and /jsz (default 8222)'],
  ['--store-dir DIR', "JetStream's files, a folder per node below it\n(default /var/lib/nats/merezha)"],
)}

Exit status: 0 written, 1 refused (nothing written), 2 wrong usage.
`,
  },
  central: {
    summary: 'the oblast: ingest from NATS, oblast dashboard, oblast report',
    usage: `Usage: merezha central --config FILE [--ingest-only | --no-ingest]
       merezha central --demo
       merezha central report --config FILE [--year YYYY | --from DATE --to DATE]
                      [--format json|csv|csv-excel|html] [--out FILE]

The oblast's Merezha. It reads what the hromadas' edges (forward: in their
hromada.yaml) publish to the NATS JetStream cluster, writes it into the
central InfluxDB (one database per hromada, with the hromada's retention and
rollups) and serves the oblast dashboard: a map of the hromadas by state,
their coverage, uptime and Invincibility Points, how far behind each edge is,
and each hromada's villages, read-only. Sign-in, roles, PORT and
MEREZHA_ADMIN_PASSWORD work as for merezha start.

Run it once with the dashboard, and as many --ingest-only processes beside it
as the load needs: they share the durable consumer, and a message a dead one
took goes to another.

${options(
  ['--config FILE', 'central.yaml (see config/central.example.yaml)'],
  ['--ingest-only', 'only the ingest workers, no dashboard'],
  ['--no-ingest', 'only the dashboard (and the report)'],
  ['--demo', 'a NATS cluster of 3 nodes, the central and 10 simulated\nhromadas on loopback, under ./data/oblast'],
  ['--year YYYY', 'report: the calendar year (default: this one)'],
  ['--from DATE', 'report: the first day (YYYY-MM-DD), with --to'],
  ['--to DATE', 'report: the last day, inclusive'],
  ['--format F', 'report: json (default), csv, csv-excel or html'],
  ['--out FILE', 'report: write it here instead of stdout'],
)}

Exit status: 0 stopped or written, 1 failed, 2 wrong usage.
`,
  },
} satisfies Record<string, CommandUsage>;

export type CommandName = keyof typeof USAGES;

export const OVERVIEW = `Usage: merezha <command> [options]

Commands:
${Object.entries(USAGES)
  .map(([name, { summary }]) => `  ${name.padEnd(COLUMN)}${summary}`)
  .join('\n')}

merezha <command> --help shows a command's options; merezha --version, the
version. The config file also comes from MEREZHA_CONFIG; the InfluxDB URL
from INFLUX_URL.
`;
