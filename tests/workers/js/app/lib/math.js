export const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
export function average(values) {
  if (values.length === 0) return 0;
  return values.reduce((a, b) => a + b, 0) / values.length;
}
