/** Money is integer minor units from the server; the sample only formats it, it never computes prices. */
export function money(m: { amount: number; currencyCode: string } | null | undefined): string {
  if (!m) return '';
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currencyCode }).format(m.amount / 100);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

export function titleCase(value: string): string {
  return value
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

export const fullName = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`;
