/** RFC 3339 `date-time`, the form the API's schemas accept (`T`/`Z` in either case, any offset). */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant an RFC 3339 timestamp names, as a UTC ISO string with milliseconds (how the read
 * models store times, so that they compare as strings). JavaScript time has no leap seconds: a leap
 * second (`23:59:60`) is the instant the next minute begins, as in POSIX time. Digits past the
 * millisecond are cut. Null when the text is not such a timestamp.
 */
export function instantOf(text: string): string | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const millis = Math.floor(Number(`0${m[7] ?? ''}`) * 1000);
  const sign = m[9] === '-' ? -1 : 1;
  const offsetMinutes = m[8] ? 0 : sign * (Number(m[10]) * 60 + Number(m[11]));
  // Not Date.UTC: it takes years 0 to 99 as 1900 to 1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // An impossible day rolls over (February 30th is March 2nd): refused instead.
  if (date.getUTCDate() !== day) return null;
  // Second 60 rolls over into the next minute.
  date.setUTCHours(hour, minute, second, millis);
  const instant = new Date(date.getTime() - offsetMinutes * 60_000);
  // Years before 1 or after 9999 have no four-digit ISO form.
  const year4 = instant.getUTCFullYear();
  return year4 < 1 || year4 > 9999 ? null : instant.toISOString();
}
