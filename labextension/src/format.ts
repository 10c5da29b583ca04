/**
 * How numbers read everywhere in the extension: ε to 3 significant digits, δ in exponent form.
 */

/** ε to 3 significant digits: 0.35 → "0.35", 1/3 → "0.333", 1234.5 → "1,235", 2e-5 → "2.00e-5". */
export function formatEpsilon(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (value === 0) {
    return '0';
  }
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) {
    return Math.round(value).toLocaleString('en-US');
  }
  if (magnitude < 0.001) {
    return value.toExponential(2);
  }
  return String(Number(value.toPrecision(3)));
}

/** δ is tiny: `1e-5` → "1.0e-5", and 0 stays "0". */
export function formatDelta(value: number): string {
  return value === 0 ? '0' : value.toExponential(1);
}

/** "2026-11-27T04:53:12+00:00" → the reader's local date and time, to the minute. */
export function formatTime(iso: string | null): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit'
      });
}

/** "3 min ago", "2 h ago", "5 d ago" (for "most recently used"). */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) {
    return 'never used';
  }
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (seconds < 60) {
    return 'just now';
  }
  const [amount, unit] =
    seconds < 3600
      ? [seconds / 60, 'min']
      : seconds < 86400
        ? [seconds / 3600, 'h']
        : [seconds / 86400, 'd'];
  return `${Math.floor(amount)} ${unit} ago`;
}
