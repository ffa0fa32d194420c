/**
 * Every time on screen is `YYYY-MM-DD HH:MM:SS` in the viewer's time zone, with the UTC time one
 * hover away; dates typed into the filter card are the viewer's calendar days.
 */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatLocal(value: string | number | Date): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

export function formatUtc(value: string | number | Date): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `Europe/Paris (UTC+01:00)`; the offset is the current one. */
let zoneName: string | undefined;

export function zoneLabel(at = new Date()): string {
  zoneName ??= Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const zone = zoneName;
  const minutes = -at.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${zone} (UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)})`;
}

/** The viewer's calendar day of an instant, as a date input wants it. */
export function toDateInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function parseDateInput(text: string): [number, number, number] | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
}

/** First millisecond of a day in the viewer's zone. */
export function startOfDay(text: string): number | undefined {
  const parts = parseDateInput(text);
  return parts ? new Date(parts[0], parts[1], parts[2]).getTime() : undefined;
}

/** Last millisecond of a day in the viewer's zone. */
export function endOfDay(text: string): number | undefined {
  const parts = parseDateInput(text);
  return parts ? new Date(parts[0], parts[1], parts[2] + 1).getTime() - 1 : undefined;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3 hours ago", for last-used times where the exact second matters less. */
export function relative(value: string | number, now = Date.now()): string {
  const diff = new Date(value).getTime() - now;
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return 'just now';
}
