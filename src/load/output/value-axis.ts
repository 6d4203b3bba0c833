export interface ValueAxis {
  max: number;
  ticks: number[];
}

/** A y axis from 0 to a round value above `peak`, with about four ticks (1, 2, 2.5 or 5 times a power of ten). */
export function valueAxis(peak: number, ticks = 4): ValueAxis {
  if (!(peak > 0)) return { max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };
  const raw = peak / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  const max = Math.ceil(peak / step - 1e-9) * step;
  const out: number[] = [];
  for (let i = 0; i * step <= max + step / 1e6; i++) out.push(Number((i * step).toPrecision(12)));
  return { max, ticks: out };
}
