/** Small formatters shared by progress lines, tables and the report. */

/** `1536` → `1.5 KiB`; binary units, one decimal above bytes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A fraction as a percentage with one decimal, or `–` for null. */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value)
    ? '–'
    : `${(100 * value).toFixed(1)}%`;
}

/** A number with `digits` significant digits, or `–` for null/NaN. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3)) {
    return value.toExponential(digits - 1);
  }
  return Number(value.toPrecision(digits)).toString();
}

/** Seconds as `42.1 s` or `3 min 07 s`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  // Round to whole seconds first, so 119.6 s reads "2 min 00 s", never "1 min 60 s".
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  const s = whole - 60 * m;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}
