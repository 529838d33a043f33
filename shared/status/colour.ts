/**
 * Colours, the reasons that go with them, and how durations read (shared by every status rule in
 * ./rules; see ./model.ts for what the status model is).
 */

/** A colour. `unknown`: nothing records it yet (shown grey, and never counted as green). */
export type Colour = 'green' | 'amber' | 'red' | 'unknown';

/** A colour and why. */
export interface Light {
  colour: Colour;
  reason: string;
}

export const RANK: Readonly<Record<Colour, number>> = { green: 0, unknown: 1, amber: 2, red: 3 };

/** The worse of colours (red > amber > unknown > green). */
export function worst(...colours: Colour[]): Colour {
  return colours.reduce<Colour>((a, b) => (RANK[b] > RANK[a] ? b : a), 'green');
}

/** A light of `colour` because of `reason`. */
export const light = (colour: Colour, reason: string): Light => ({ colour, reason });

/** `45 s`, `12 min`, `5 h 3 min`, `3 d 4 h`. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** An ISO timestamp, or null when there is none or it is not a date. */
export const iso = (d: Date | string | undefined | null): string | null => {
  if (d === undefined || d === null) return null;
  const t = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
};

/**
 * A time as the reports show it: `2026-12-07 00:41 UTC` (minutes: the page is read by a person at
 * a glance; the JSON keeps the full ISO time). Text that is not a time is returned as given.
 */
export function utcText(isoText: string | Date): string {
  const ms = typeof isoText === 'string' ? Date.parse(isoText) : isoText.getTime();
  if (Number.isNaN(ms)) return String(isoText);
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
