/** `YYYY-MM-DD HH:MM:SS` of an instant in a given IANA time zone, as the dashboard shows it. */
export function formatInZone(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The instant a calendar day starts in a time zone (for the date inputs' boundaries). */
export function startOfDayIn(day: string, timeZone: string): number {
  // Start from UTC midnight and correct by the zone's offset at that moment (twice, across DST).
  let guess = Date.parse(`${day}T00:00:00Z`);
  for (let i = 0; i < 2; i++) {
    const shown = formatInZone(new Date(guess).toISOString(), timeZone);
    const asUtc = Date.parse(`${shown.replace(' ', 'T')}Z`);
    guess -= asUtc - Date.parse(`${day}T00:00:00Z`);
  }
  return guess;
}

export function dayInZone(ms: number, timeZone: string): string {
  return formatInZone(new Date(ms).toISOString(), timeZone).slice(0, 10);
}
