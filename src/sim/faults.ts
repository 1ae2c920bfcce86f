// Fault injection for the simulated apiserver: per-verb error rates, added latency, periodic watch
// drops and forced history expiry. Draws come from a seeded PRNG so a failing run can be replayed.

import { seededRandom } from '../shared/random.js';
import type { SimVerb } from './requestLog.js';

export interface VerbFault {
  /** Probability in [0, 1] that a request of this verb fails. */
  readonly errorRate: number;
  /** HTTP status of the injected failure (500, 429, 503, 409, …). Default 500. */
  readonly code?: number;
  /**
   * Seconds in `Retry-After`. A filter-style answer sends it in the header only (default 1, as
   * max-in-flight and the shutdown filter do; APF computes its own); a handler-style Status also
   * carries it as `details.retryAfterSeconds`.
   */
  readonly retryAfterSeconds?: number;
  /**
   * Which part of kube-apiserver produces the failure:
   * - 'filter': the filter chain, before any handler. 429 is max-in-flight/APF's `tooManyRequests`
   *   (plain-text body, `Retry-After`); 503 is WithWaitGroup's "apiserver is shutting down" Status
   *   with `Retry-After: 1`. Other codes have no filter of their own and fall back to 'handler'.
   * - 'handler': a Status error from a handler, written by responsewriters.ErrorNegotiated, which
   *   sends `Retry-After` only when `details.retryAfterSeconds` > 0.
   * Default: 'filter' for 429 and 503 without `retryAfterSeconds`, 'handler' otherwise (so the
   * pre-existing `{ code: 429, retryAfterSeconds: n }` keeps its Status body).
   */
  readonly source?: 'filter' | 'handler';
  /** Only these plural resources (e.g. ['pods']); default all. */
  readonly resources?: readonly string[];
  /** Only this subresource ('' = main resource, 'status'); default any. */
  readonly subresource?: string;
}

export interface FaultConfig {
  /** PRNG seed for error draws (default 1; shared/random.ts). */
  readonly seed?: number;
  readonly verbs?: Partial<Record<Exclude<SimVerb, 'discovery'>, VerbFault>>;
  /** Added to every API request before it is handled. */
  readonly latencyMs?: number;
  /** Close every open watch stream this often (a flaky load balancer / apiserver restart). */
  readonly watchDropIntervalMs?: number;
  /**
   * Compact all history when set: watch resumes from an older resourceVersion and continue tokens
   * from earlier lists get 410 Expired. (A resume from the newest resourceVersion still succeeds, as
   * nothing after it was lost; use `expireWatches` to force a relist regardless.)
   */
  readonly expireHistory?: boolean;
  /** The next N watch requests that carry a resourceVersion are answered with an ERROR event, 410 Expired. */
  readonly expireWatches?: number;
}

export interface InjectedFailure {
  readonly code: number;
  readonly retryAfterSeconds: number | undefined;
  readonly source: 'filter' | 'handler';
}

export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number = seededRandom(1);

  set(config: FaultConfig): void {
    this.config = config;
    this.random = seededRandom(config.seed ?? 1);
  }

  get current(): FaultConfig {
    return this.config;
  }

  /** Decides whether this request fails; consumes one draw per request with a configured verb. */
  draw(verb: SimVerb, resource: string, subresource: string): InjectedFailure | undefined {
    if (verb === 'discovery') return undefined;
    const f = this.config.verbs?.[verb];
    if (f === undefined || f.errorRate <= 0) return undefined;
    if (f.resources !== undefined && !f.resources.includes(resource)) return undefined;
    if (f.subresource !== undefined && f.subresource !== subresource) return undefined;
    if (this.random() >= f.errorRate) return undefined;
    const code = f.code ?? 500;
    const filtered = code === 429 || code === 503;
    const source = filtered ? (f.source ?? (f.retryAfterSeconds === undefined ? 'filter' : 'handler')) : 'handler';
    return { code, retryAfterSeconds: f.retryAfterSeconds, source };
  }
}
