const dateTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** A moment for people: "1 Mar 2026, 09:00 UTC". */
export function formatMoment(ms: number): string {
  return `${dateTime.format(ms)} UTC`;
}
