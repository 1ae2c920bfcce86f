// The review kinds `kubectl auth can-i` and `kubectl auth whoami` create: answered from the request,
// never stored (their REST storage is only a rest.Creater). The simulated cluster authenticates
// every client as one administrator and authorizes every request.

import { isObject, type JsonObject } from '../json.js';
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
