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
