/** Test helpers: the inline SVGs of a document and their coordinates. */

export interface Svg {
  markup: string;
  width: number;
  height: number;
  title: string | undefined;
}

export function svgsOf(html: string): Svg[] {
  const out: Svg[] = [];
  const re = /<svg\b[^>]*>[\s\S]*?<\/svg>/g;
  for (const m of html.matchAll(re)) {
    const vb = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(m[0]);
    if (!vb) throw new Error(`an SVG without a viewBox: ${m[0].slice(0, 80)}`);
    out.push({ markup: m[0], width: Number(vb[1]), height: Number(vb[2]), title: /<title id="[^"]*">([^<]*)<\/title>/.exec(m[0])?.[1] });
  }
  return out;
}

/** Every x and y coordinate in the SVG: attributes and the M/L pairs of path data. */
export function coordinatesOf(svg: Svg): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const m of svg.markup.matchAll(/\s(x|x1|x2|cx|y|y1|y2|cy)="(-?[\d.]+)"/g)) (m[1].startsWith("x") || m[1] === "cx" ? xs : ys).push(Number(m[2]));
  // A rect's far edge too.
  for (const m of svg.markup.matchAll(/<rect\b[^>]*?\sx="(-?[\d.]+)"[^>]*?\swidth="(-?[\d.]+)"/g)) xs.push(Number(m[1]) + Number(m[2]));
  for (const m of svg.markup.matchAll(/\sd="([^"]*)"/g)) {
    for (const c of m[1].matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)) {
      xs.push(Number(c[1]));
      ys.push(Number(c[2]));
    }
  }
  return { xs, ys };
}

/** Coordinates outside `[0, width] × [0, height]` (with `slack`). */
export function outside(svg: Svg, slack = 0.05): string[] {
  const { xs, ys } = coordinatesOf(svg);
  const bad: string[] = [];
  for (const x of xs) if (!(x >= -slack && x <= svg.width + slack)) bad.push(`x=${x}`);
  for (const y of ys) if (!(y >= -slack && y <= svg.height + slack)) bad.push(`y=${y}`);
  return bad;
}
