// Defaulting the apiserver applies on create for the deployment kinds (pkg/apis/core/v1/defaults.go
// SetDefaults_Service / SetDefaults_ServicePort, pkg/apis/apps/v1/defaults.go
// SetDefaults_Deployment, pkg/apis/scheduling/v1/defaults.go SetDefaults_PriorityClass) and the cluster IP the service registry allocates, so that `kubectl get`
// and `-o yaml` show what a cluster would. Pod templates are left as sent.

import { isObject, type JsonObject } from './json.js';
import type { ResourceDef } from './resources.js';

/** Allocates cluster IPs from 10.96.0.0/12 (kube-apiserver's default service CIDR), in order. */
export class ClusterIPAllocator {
  private next = 10;
  /** The next free address; a dry run only looks at it (dry-run allocations are never kept). */
  allocate(dryRun: boolean): string {
    const n = dryRun ? this.next : this.next++;
    return `10.${96 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`;
  }
}

export function applyCreateDefaults(def: ResourceDef, obj: JsonObject, ips: ClusterIPAllocator, dryRun: boolean): void {
  if (def.id === 'priorityclasses.scheduling.k8s.io') {
    obj.preemptionPolicy ??= 'PreemptLowerPriority';
    return;
  }
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  if (spec === undefined) return;
  if (def.id === 'services') {
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    if (spec.type !== 'ExternalName') {
      spec.internalTrafficPolicy ??= 'Cluster';
      if (spec.clusterIP === undefined || spec.clusterIP === '') {
        spec.clusterIP = ips.allocate(dryRun);
      }
      spec.clusterIPs ??= [spec.clusterIP];
      if (spec.clusterIP !== 'None') {
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
      }
    }
    if (Array.isArray(spec.ports)) {
      for (const port of spec.ports) {
        if (!isObject(port)) continue;
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port ?? 0;
      }
    }
    obj.status = { loadBalancer: {} };
  } else if (def.id === 'deployments.apps') {
    spec.replicas ??= 1;
    spec.strategy ??= { type: 'RollingUpdate' };
    const strategy = isObject(spec.strategy) ? spec.strategy : {};
    if (strategy.type === 'RollingUpdate') strategy.rollingUpdate ??= { maxUnavailable: '25%', maxSurge: '25%' };
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  }
}
