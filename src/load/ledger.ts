// What the storms did, in the server's words: every NoExecute taint with the `timeAdded` the API server
// stamped on it. The controller computes eviction times from that same timestamp, so judging deletions
// against it (not against our local send time) is what makes "evicted too early" decidable.

import type { DeviceId } from '../shared/types.js';
import { type AppliedTaint, deviceKey, type LoadPod } from './types.js';

export class TaintLedger {
  private readonly applied: AppliedTaint[] = [];
  /** Earliest slice taint per device key. */
  private readonly earliestByDevice = new Map<string, number>();
  /** Earliest rule taint per driver. */
  private readonly earliestByDriver = new Map<string, number>();

  record(taint: AppliedTaint): void {
    this.applied.push(taint);
    if (taint.scope.kind === 'driver') {
      const cur = this.earliestByDriver.get(taint.scope.driver);
      if (cur === undefined || taint.timeAdded < cur) this.earliestByDriver.set(taint.scope.driver, taint.timeAdded);
      return;
    }
    for (const device of taint.scope.devices) {
      const key = deviceKey(device);
      const cur = this.earliestByDevice.get(key);
      if (cur === undefined || taint.timeAdded < cur) this.earliestByDevice.set(key, taint.timeAdded);
    }
  }

  taints(): readonly AppliedTaint[] {
    return this.applied;
  }

  /** Earliest time any recorded NoExecute taint covered `device`, or `null` if none did. */
  taintedSince(device: DeviceId): number | null {
    const bySlice = this.earliestByDevice.get(deviceKey(device));
    const byRule = this.earliestByDriver.get(device.driver);
    if (bySlice === undefined) return byRule ?? null;
    return byRule === undefined ? bySlice : Math.min(bySlice, byRule);
  }

  /**
   * When the controller should delete `pod`: earliest taint + tolerationSeconds; `null` = never (untainted,
   * or tolerated forever). All storm taints share one key and every load toleration is `Exists` on that
   * key, so the earliest taint decides.
   */
  dueTime(pod: LoadPod): number | null {
    if (pod.toleration.kind === 'forever') return null;
    const since = this.taintedSince(pod.device);
    if (since === null) return null;
    return pod.toleration.kind === 'seconds' ? since + pod.toleration.seconds * 1000 : since;
  }
}
