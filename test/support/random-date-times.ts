/**
 * `count` date-time texts 'YYYY-MM-DD hh:mm:ss[.f{0,6}][suffix]' from a fixed seed (the same every
 * run). `zeros` lets year, month and day be 0 (MySQL's zero dates) and days run to 31; `suffixes`
 * are appended in turn at random ('' for none).
 */
export function randomDateTimes(
  count: number,
  options: { zeros?: boolean; suffixes?: readonly string[] } = {},
): string[] {
  let seed = 7;
  const next = (limit: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % limit;
  };
  const low = options.zeros ? 0 : 1;
  const suffixes = options.suffixes ?? [''];
  const two = (value: number) => String(value).padStart(2, '0');
  const texts: string[] = [];
  for (let index = 0; index < count; index++) {
    const fraction = String(next(1_000_000)).padStart(6, '0').slice(0, next(7));
    const year = String(low + next(10000 - low)).padStart(4, '0');
    const date = `${year}-${two(low + next(13 - low))}-${two(low + next(options.zeros ? 32 : 29 - low))}`;
    const clock = `${two(next(24))}:${two(next(60))}:${two(next(60))}${fraction ? `.${fraction}` : ''}`;
    texts.push(`${date} ${clock}${suffixes[next(suffixes.length)]}`);
  }
  return texts;
}
