/** Sizes are binary throughout gwscale: KB = KiB = 1024 bytes, MB = MiB, GB = GiB. */
const multipliers: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** Parses `4000MB`, `4GiB`, `1.5 GB`, `1048576` into bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return undefined;
  const mult = multipliers[(m[2] ?? '').toLowerCase()];
  if (mult === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * mult);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

export const MiB = 1024 * 1024;

/** `1536000` → `1.46 MiB`; for people, not for parsing. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const abs = Math.abs(bytes);
  if (abs >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (abs >= MiB) return `${(bytes / MiB).toFixed(2)} MiB`;
  if (abs >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${Math.round(bytes)} B`;
}
