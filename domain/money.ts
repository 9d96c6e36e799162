/**
 * Writing integer pence as pounds for people (notices, exports, charts). Pure; exact for any bigint:
 * no floating point touches an amount (domain/allocation.ts keeps money as integer pence).
 */

/** `13033600000n` → `£130,336,000.00`; negative amounts get a leading minus. */
export function formatPence(pence: bigint | number | string): string {
  const value = BigInt(pence);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const pounds = (absolute / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = (absolute % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}£${pounds}.${rest}`;
}

/** Pence per head, to the penny (rounded half up); 0 for no heads. */
export function pencePerHead(pence: bigint | number | string, heads: number): bigint {
  if (heads <= 0) return 0n;
  return (BigInt(pence) * 2n + BigInt(heads)) / (2n * BigInt(heads));
}

/** Pence per head, to the penny (rounded half up), as a number of pounds with two decimals: for charts and exports. */
export function poundsPerHead(pence: bigint | number | string, heads: number): string {
  const perHeadPence = pencePerHead(pence, heads);
  return `${perHeadPence / 100n}.${(perHeadPence % 100n).toString().padStart(2, '0')}`;
}

/**
 * Pounds as people write them, back to integer pence, exactly: `£1,234.5` → `123450n`, `-20` → `-2000n`.
 * Null for anything that is not an amount of pounds with at most two decimal places.
 */
export function parsePounds(text: string): bigint | null {
  const match = /^(-)?£?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim().replace(/^£-/, '-£'));
  if (!match) return null;
  const [, minus, whole = '0', fraction = ''] = match;
  const pence = BigInt(whole.replaceAll(',', '')) * 100n + BigInt(fraction.padEnd(2, '0') || '0');
  return minus ? -pence : pence;
}

/** A change of an amount, signed: `+£1,234.00`, `-£20.00`, `£0.00`. */
export function formatSignedPence(pence: bigint | number | string): string {
  return BigInt(pence) > 0n ? `+${formatPence(pence)}` : formatPence(pence);
}

/**
 * `to` against `from` in per cent, to two decimals (rounded half away from zero), signed: `+1.25`,
 * `-0.40`, `0.00`; null when `from` is 0. Exact: bigint arithmetic on the pence.
 */
export function percentChange(from: bigint | number | string, to: bigint | number | string): string | null {
  const base = BigInt(from);
  if (base === 0n) return null;
  const change = BigInt(to) - base;
  const negative = change < 0n !== base < 0n && change !== 0n;
  const absolute = (change < 0n ? -change : change) * 10_000n;
  const divisor = base < 0n ? -base : base;
  const hundredths = (absolute * 2n + divisor) / (2n * divisor);
  const text = `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}`;
  return hundredths === 0n ? text : `${negative ? '-' : '+'}${text}`;
}
