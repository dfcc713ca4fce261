// The last hour of a topic's freshness as bars: one per minute, height = the worst lag that minute
// (how far behind its database the product was), with the SLO as a line. A table of the same
// numbers follows for screen readers.

export interface FreshnessMinute {
  minute: string;
  maxLagMs?: number;
  events: number;
}

const WIDTH = 600;
const HEIGHT = 140;
const PAD = { left: 48, right: 8, top: 10, bottom: 22 };

export function FreshnessChart({
  topic,
  minutes,
  sloMs,
}: {
  topic: string;
  minutes: FreshnessMinute[];
  sloMs?: number | undefined;
}) {
  const now = Math.floor(Date.now() / 60_000);
  const buckets = new Map(
    minutes.map((entry) => [Math.floor(new Date(entry.minute).getTime() / 60_000), entry]),
  );
  const lags = minutes.map((entry) => entry.maxLagMs ?? 0);
  const top = Math.max(1, ...lags, sloMs ?? 0) * 1.15;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const barW = plotW / 60;
  const y = (ms: number) => PAD.top + plotH - (ms / top) * plotH;
  const id = `fresh-${topic.replace(/[^A-Za-z0-9]/g, '-')}`;
  const events = minutes.reduce((sum, entry) => sum + entry.events, 0);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-caption`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title>Freshness of {topic} over the last hour</title>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} class="axis" />
        <text x={PAD.left - 6} y={y(0)} class="tick" text-anchor="end" dominant-baseline="middle">
          0
        </text>
        <text x={PAD.left - 6} y={y(top / 1.15)} class="tick" text-anchor="end" dominant-baseline="middle">
          {shortMs(top / 1.15)}
        </text>
        {Array.from({ length: 60 }, (_, index) => {
          const minute = now - 59 + index;
          const entry = buckets.get(minute);
          if (!entry) return null;
          const lag = entry.maxLagMs ?? 0;
          const x = PAD.left + index * barW;
          const over = sloMs !== undefined && lag > sloMs;
          return (
            <rect
              key={minute}
              x={x + 1}
              y={y(lag)}
              width={Math.max(1, barW - 2)}
              height={Math.max(1, y(0) - y(lag))}
              class={over ? 'bar bar-over' : 'bar'}
            >
              <title>{`${new Date(minute * 60_000).toLocaleTimeString()}: ${entry.events} events, worst lag ${shortMs(lag)}`}</title>
            </rect>
          );
        })}
        {sloMs !== undefined ? (
          <g>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(sloMs)} y2={y(sloMs)} class="slo" />
            <text x={WIDTH - PAD.right} y={y(sloMs) - 3} class="tick" text-anchor="end">
              SLO {shortMs(sloMs)}
            </text>
          </g>
        ) : null}
        <text x={PAD.left} y={HEIGHT - 4} class="tick">
          60 min ago
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 4} class="tick" text-anchor="end">
          now
        </text>
      </svg>
      <figcaption id={`${id}-caption`}>
        {topic}: {events} events in the last hour
        {lags.length > 0 ? `, worst lag ${shortMs(Math.max(...lags))}` : ''}
        {sloMs !== undefined ? ` (SLO ${shortMs(sloMs)})` : ''}
      </figcaption>
    </figure>
  );
}

function shortMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
