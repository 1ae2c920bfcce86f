// Writes NoExecute taints onto the run's slices and records the server's `timeAdded` for each.
//
// A merge patch replaces `spec.devices` wholesale, so every patch resends all devices with the taints
// they already carry, including the server-stamped `timeAdded`: leaving it out would make the API server
// stamp it again and silently move the eviction time of pods tainted earlier. Patches to one slice are
// chained for the same reason (two in flight would each resend the other's taint without a timestamp).

import type { Clock } from '../../shared/clock.js';
import type { LoadCluster } from '../cluster.js';
import { arrayField, field, stringField, timeValue } from '../json.js';
import type { TaintLedger } from '../ledger.js';
import { devicePatch, type TaintSpec } from '../manifests.js';
import type { LoadSlice } from '../types.js';

export class SliceTainter {
  /** slice name → device name → taints as last stored by the server. */
  private readonly stored = new Map<string, Map<string, TaintSpec[]>>();
  private readonly chains = new Map<string, Promise<unknown>>();
  patches = 0;

  constructor(
    private readonly cluster: LoadCluster,
    private readonly ledger: TaintLedger,
    private readonly clock: Clock,
  ) {}

  /** Adds `taint` to `devices` of `slice` in one patch; resolves with the newest server `timeAdded` (ms) among them. */
  taint(slice: LoadSlice, devices: readonly string[], taint: Omit<TaintSpec, 'timeAdded'>): Promise<number> {
    const previous = this.chains.get(slice.name) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.patch(slice, devices, taint));
    this.chains.set(slice.name, next);
    return next;
  }

  private async patch(
    slice: LoadSlice,
    devices: readonly string[],
    taint: Omit<TaintSpec, 'timeAdded'>,
  ): Promise<number> {
    const current = this.stored.get(slice.name) ?? new Map<string, TaintSpec[]>();
    const targets = new Set(devices);
    const body = {
      spec: {
        devices: slice.devices.map((name) => {
          const taints = [...(current.get(name) ?? [])];
          if (targets.has(name) && !taints.some((t) => t.key === taint.key && t.effect === taint.effect))
            taints.push({ ...taint });
          return devicePatch(name, taints);
        }),
      },
    };
    const sentAt = this.clock.now();
    this.patches++;
    const stored = await this.cluster.patchSlice(slice.name, body);
    const remembered = new Map<string, TaintSpec[]>();
    // Devices grouped by the timeAdded the server reports for our taint on them: a device tainted by an
    // earlier patch keeps its earlier time, newly tainted ones share this patch's stamp.
    const byStamp = new Map<number | null, string[]>();
    for (const device of arrayField(stored, 'spec', 'devices')) {
      const name = stringField(device, 'name');
      const taints: TaintSpec[] = arrayField(device, 'taints').map((t) => ({
        key: stringField(t, 'key'),
        value: stringField(t, 'value'),
        effect: stringField(t, 'effect'),
        ...(stringField(t, 'timeAdded') !== '' ? { timeAdded: stringField(t, 'timeAdded') } : {}),
      }));
      remembered.set(name, taints);
      if (!targets.has(name)) continue;
      const ours = arrayField(device, 'taints').find(
        (t) => stringField(t, 'key') === taint.key && stringField(t, 'effect') === taint.effect,
      );
      // Without DRADeviceTaints the API server drops device taints silently; nothing would ever be evicted.
      if (ours === undefined)
        throw new Error(
          `the API server dropped the taint on ${slice.name}/${name}: is the DRADeviceTaints feature gate enabled?`,
        );
      const stamp = timeValue(field(ours, 'timeAdded'));
      byStamp.set(stamp, [...(byStamp.get(stamp) ?? []), name]);
    }
    this.stored.set(slice.name, remembered);
    if (taint.effect === 'NoExecute') {
      for (const [stamp, names] of byStamp) {
        this.ledger.record({
          source: `slice/${slice.name}`,
          key: taint.key,
          value: taint.value,
          timeAdded: stamp ?? sentAt,
          serverStamped: stamp !== null,
          scope: {
            kind: 'devices',
            devices: names.map((device) => ({ driver: slice.driver, pool: slice.pool, device })),
          },
        });
      }
    }
    const stamps = [...byStamp.keys()].map((s) => s ?? sentAt);
    return stamps.length > 0 ? Math.max(...stamps) : sentAt;
  }
}
