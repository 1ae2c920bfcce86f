// The engine's pod cache: compact pod records by namespace and name (nested maps, see
// allocatedClaims.ts for why), plus the PodGroup index (namespace/podGroupName → pods) that upstream
// adds to its pod informer for workload claims.

import type { PodRecord } from '../../shared/types.js';

export class PodCache {
  private readonly byNamespace = new Map<string, Map<string, PodRecord>>();
  private readonly byGroup = new Map<string, Set<PodRecord>>();
  private count = 0;
  private claimUsers = 0;

  get size(): number {
    return this.count;
  }

  /** Pods that use ResourceClaims (the base of the breaker's `--breaker-max-percent`). */
  get usingClaims(): number {
    return this.claimUsers;
  }

  get(namespace: string, name: string): PodRecord | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  set(pod: PodRecord): void {
    let pods = this.byNamespace.get(pod.namespace);
    if (pods === undefined) {
      pods = new Map();
      this.byNamespace.set(pod.namespace, pods);
    }
    const previous = pods.get(pod.name);
    if (previous !== undefined) this.unindex(previous);
    else this.count++;
    if (usesClaims(pod)) this.claimUsers++;
    pods.set(pod.name, pod);
    if (pod.podGroupName !== null) {
      const groupKey = `${pod.namespace}/${pod.podGroupName}`;
      let members = this.byGroup.get(groupKey);
      if (members === undefined) {
        members = new Set();
        this.byGroup.set(groupKey, members);
      }
      members.add(pod);
    }
  }

  /** Removes the pod stored under the record's namespace/name, whatever its UID. */
  delete(pod: { readonly namespace: string; readonly name: string }): PodRecord | undefined {
    const pods = this.byNamespace.get(pod.namespace);
    const previous = pods?.get(pod.name);
    if (pods === undefined || previous === undefined) return undefined;
    pods.delete(pod.name);
    if (pods.size === 0) this.byNamespace.delete(pod.namespace);
    this.count--;
    this.unindex(previous);
    return previous;
  }

  /** Pods whose `spec.schedulingGroup.podGroupName` is `group` in `namespace` (a snapshot). */
  inGroup(namespace: string, group: string): PodRecord[] {
    const members = this.byGroup.get(`${namespace}/${group}`);
    return members === undefined ? [] : [...members];
  }

  private unindex(pod: PodRecord): void {
    if (usesClaims(pod)) this.claimUsers--;
    if (pod.podGroupName === null) return;
    const groupKey = `${pod.namespace}/${pod.podGroupName}`;
    const members = this.byGroup.get(groupKey);
    if (members === undefined) return;
    members.delete(pod);
    if (members.size === 0) this.byGroup.delete(groupKey);
  }
}

const usesClaims = (pod: PodRecord): boolean => pod.resourceClaims.length > 0 || pod.extendedResourceClaimName !== null;
