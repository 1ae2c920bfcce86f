// Every leader-election request ends by min(its start + the request timeout, the attempt's deadline),
// or when the attempt is aborted — on the elector's clock, whether or not the client honours signals.

import { describe, expect, it } from 'vitest';
import { type ApiClient, ApiError, type ApiRequest, type ApiResponse } from '../../src/kube/apiClient.js';
import { type Attempt, boundedSend } from '../../src/kube/leaseDeadlines.js';
import { FakeClock } from '../../src/shared/clock.js';

/** A client that answers only when told to, and records what it was asked. */
class ManualClient implements ApiClient {
  readonly requests: ApiRequest[] = [];
  private resolvers: ((res: ApiResponse) => void)[] = [];
  request(req: ApiRequest): Promise<ApiResponse> {
    this.requests.push(req);
    return new Promise((resolve) => this.resolvers.push(resolve));
  }
  answer(): void {
    this.resolvers.shift()?.({ status: 200, body: {} });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(deadlineInMs: number, requestTimeoutMs: number) {
  const clock = new FakeClock(0);
  const client = new ManualClient();
  const attempt: Attempt = { start: 0, deadline: deadlineInMs, controller: new AbortController() };
  const send = boundedSend(client, clock, () => clock.now(), requestTimeoutMs, attempt);
  return { clock, client, attempt, send };
}

const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'resolved',
    (err: unknown) => err,
  );

describe('boundedSend', () => {
  it('passes the answer through and tells the client its timeout', async () => {
    const { client, send } = setup(10_000, 2_000);
    const pending = send({ method: 'GET', path: '/lease' });
    expect(client.requests[0]?.timeoutMs).toBe(2_000);
    expect(client.requests[0]?.signal?.aborted).toBe(false);
    client.answer();
    await expect(pending).resolves.toEqual({ status: 200, body: {} });
  });

  it('cuts a request at its own timeout while the round has time left', async () => {
    const { clock, client, send } = setup(10_000, 2_000);
    const pending = rejection(send({ method: 'GET', path: '/lease' }));
    clock.advance(2_000);
    const err = await pending;
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toContain('request timed out');
    expect(client.requests[0]?.signal?.aborted).toBe(true);
  });

  it('cuts a request at the round deadline when that comes first, and refuses once it has passed', async () => {
    const { clock, client, send } = setup(1_500, 2_000);
    const pending = rejection(send({ method: 'PUT', path: '/lease' }));
    expect(client.requests[0]?.timeoutMs).toBe(1_500);
    clock.advance(1_500);
    expect(String(await pending)).toContain('round deadline passed');
    const late = await rejection(send({ method: 'PUT', path: '/lease' }));
    expect((late as ApiError).reason).toBe('DeadlineExceeded');
    expect(client.requests).toHaveLength(1);
  });

  it('aborts the request in flight when the attempt is aborted', async () => {
    const { client, attempt, send } = setup(10_000, 2_000);
    const pending = rejection(send({ method: 'GET', path: '/lease' }));
    const reason = new ApiError(0, 'Cancelled', 'stopped');
    attempt.controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(client.requests[0]?.signal?.aborted).toBe(true);
    expect(await rejection(send({ method: 'GET', path: '/lease' }))).toBe(reason);
  });
});
