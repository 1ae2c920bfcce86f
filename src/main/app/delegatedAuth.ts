// Who may read /metrics on the secure endpoint, decided by the API server, as kube-controller-manager's
// secure port and controller-runtime's metrics filter do (k8s.io/apiserver delegatingauthenticator /
// delegatingauthorizer): a bearer token is authenticated with a TokenReview, the user it names is
// authorized with a SubjectAccessReview for `get` on the non-resource path.
//
// Answers are cached like those webhooks cache theirs (10 s for an allowed and for a denied answer),
// so a scraper every 15 s costs about one review pair per scrape, and a flood of requests with one
// token costs none after the first. Errors from the API server are not cached and deny the request.

import { createHash } from 'node:crypto';
import type { ApiClient } from '../../kube/apiClient.js';
import type { Clock } from '../../shared/clock.js';

export const REVIEW_CACHE_TTL_MS = 10_000;
/** A bound on cached answers: a client cycling through random tokens must not grow memory. */
const MAX_CACHED = 1_024;

export type AuthDecision =
  | { readonly allowed: true; readonly user: string }
  | { readonly allowed: false; readonly status: 401 | 403; readonly reason: string };

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/** A bounded TTL cache (insertion order evicts the oldest first). */
class TtlCache<T> {
  private readonly entries = new Map<string, Cached<T>>();
  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.until <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: T): void {
    if (this.entries.size >= MAX_CACHED) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: this.clock.now() + this.ttlMs });
  }
}

const field = (v: unknown, key: string): unknown =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;

/** Who a token belongs to, as the TokenReview said. */
interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
  readonly uid: string;
}

export class DelegatedAuth {
  private readonly users: TtlCache<UserInfo | null>;
  private readonly verdicts: TtlCache<boolean>;

  constructor(
    private readonly api: ApiClient,
    clock: Clock,
    private readonly timeoutMs = 5_000,
  ) {
    this.users = new TtlCache(clock, REVIEW_CACHE_TTL_MS);
    this.verdicts = new TtlCache(clock, REVIEW_CACHE_TTL_MS);
  }

  /** Decides a request for `path` carrying `authorization` (the raw header). */
  async check(authorization: string | undefined, path: string): Promise<AuthDecision> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (match === null) return { allowed: false, status: 401, reason: 'a bearer token is required' };
    const token = match[1] as string;
    // Tokens are cached by hash: the cache must not keep credentials in memory in clear.
    const tokenKey = createHash('sha256').update(token).digest('base64');
    let user = this.users.get(tokenKey);
    if (user === undefined) {
      user = await this.tokenReview(token);
      this.users.set(tokenKey, user);
    }
    if (user === null) return { allowed: false, status: 401, reason: 'the token is not valid' };
    const verdictKey = `${user.username}\u0000${user.groups.join(',')}\u0000${path}`;
    let allowed = this.verdicts.get(verdictKey);
    if (allowed === undefined) {
      allowed = await this.subjectAccessReview(user, path);
      this.verdicts.set(verdictKey, allowed);
    }
    return allowed
      ? { allowed: true, user: user.username }
      : { allowed: false, status: 403, reason: `user "${user.username}" may not get ${path}` };
  }

  /** Who the token belongs to, or null when the API server says it is not valid. */
  private async tokenReview(token: string): Promise<UserInfo | null> {
    const res = await this.api.request({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      timeoutMs: this.timeoutMs,
    });
    const status = field(res.body, 'status');
    if (field(status, 'authenticated') !== true) return null;
    const user = field(status, 'user');
    const username = field(user, 'username');
    if (typeof username !== 'string' || username === '') return null;
    const groups = field(user, 'groups');
    const uid = field(user, 'uid');
    return {
      username,
      groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
      uid: typeof uid === 'string' ? uid : '',
    };
  }

  private async subjectAccessReview(user: UserInfo, path: string): Promise<boolean> {
    const res = await this.api.request({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          groups: [...user.groups],
          ...(user.uid === '' ? {} : { uid: user.uid }),
          nonResourceAttributes: { path, verb: 'get' },
        },
      },
      timeoutMs: this.timeoutMs,
    });
    return field(field(res.body, 'status'), 'allowed') === true;
  }
}
