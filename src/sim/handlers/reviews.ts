// The review kinds `kubectl auth can-i` and `kubectl auth whoami` create: answered from the request,
// never stored (their REST storage is only a rest.Creater). The simulated cluster authenticates
// every client as one administrator and authorizes every request.

import { isObject, type JsonObject } from '../json.js';
import { userOfAuthorization } from '../kubeconfig.js';
import { badRequest } from '../status.js';
import { readValue } from './body.js';
import { outputOf, type ResourceRequest, respondObject } from './context.js';

/** Who every client of the simulated apiserver is (the kubeconfig's bearer token maps to it). */
export const SIM_USER = { username: 'sim-admin', groups: ['system:masters', 'system:authenticated'] };

export async function createReview(r: ResourceRequest): Promise<void> {
  const { def } = r.route;
  const media = outputOf(r);
  const body = await readValue(r, r.req.headers['content-type']);
  if (!isObject(body)) throw badRequest('the request body must be a JSON object');
  const metadata = isObject(body.metadata) ? { ...body.metadata } : {};
  metadata.creationTimestamp = null;
  const out: JsonObject = { kind: def.kind, apiVersion: `${def.group}/v1`, metadata };
  if (body.spec !== undefined) out.spec = body.spec;
  switch (def.kind) {
    case 'TokenReview': {
      const spec = isObject(body.spec) ? body.spec : {};
      const token = typeof spec.token === 'string' ? spec.token : '';
      // The sim's tokens are `sim-token` (its administrator) and `sim-token:<user>`.
      const user = token.startsWith('sim-token') ? userOfAuthorization(`Bearer ${token}`) : '';
      out.status =
        user === ''
          ? { authenticated: false, user: {}, error: 'invalid bearer token' }
          : { authenticated: true, user: { username: user, groups: ['system:authenticated'] } };
      break;
    }
    case 'SubjectAccessReview': {
      const spec = isObject(body.spec) ? body.spec : {};
      const nonResource = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : null;
      const resource = isObject(spec.resourceAttributes) ? spec.resourceAttributes : null;
      const str = (v: unknown): string => (typeof v === 'string' ? v : '');
      const allowed = (r.authorize ?? (() => true))({
        user: str(spec.user),
        verb: str(nonResource?.verb ?? resource?.verb),
        ...(nonResource !== null ? { path: str(nonResource.path) } : {}),
        ...(resource !== null ? { resource: str(resource.resource), namespace: str(resource.namespace) } : {}),
      });
      out.status = allowed ? { allowed: true } : { allowed: false, reason: 'denied by the simulated authorizer' };
      break;
    }
    case 'SelfSubjectAccessReview':
      out.status = { allowed: true };
      break;
    case 'SelfSubjectRulesReview':
      out.status = {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
      break;
    default:
      out.status = { userInfo: { username: SIM_USER.username, groups: [...SIM_USER.groups] } };
  }
  respondObject(r, 201, out, media);
}
