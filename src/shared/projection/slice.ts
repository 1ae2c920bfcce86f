// ResourceSlices → SliceRecord: driver, pool and generation, and per device its name and taints (v1beta1
// devices wrapped in `basic`). A malformed slice is cached as a placeholder without devices, so its
// pool generation still counts (the reflector's quarantine, docs/behaviour.md §6.7).

import { EMPTY, memoizedIntern, SharedValues } from '../intern.js';
import {
  asObject,
  elementPaths,
  field,
  isObject,
  optArray,
  optInteger,
  optObject,
  reqString,
  strOrEmpty,
} from '../jsonShape.js';
import type { DeviceTaint, SliceDevice, SliceRecord } from '../types.js';
import { internParsed, metadataOf, type Projector, projector, readTaint } from './projector.js';

/** Resource API versions whose device layout differs: v1beta1 wraps device fields in `basic`. */
export type DeviceLayoutVersion = 'v1' | 'v1beta2' | 'v1beta1';

/** Drivers: one or two per cluster, so almost every lookup is a memo hit. */
const internSliceDriver = memoizedIntern();

const devicePaths = elementPaths('$.spec.devices');

/** Untainted devices are just a name, and every node publishes the same names (gpu-0 … gpu-7). */
const untaintedDevices = new SharedValues<SliceDevice>();

function sliceDevice(name: string, taints: readonly DeviceTaint[]): SliceDevice {
  if (taints.length > 0) return { name, taints };
  return untaintedDevices.get(name) ?? untaintedDevices.add(name, { name, taints: EMPTY });
}

/** The shared instance of an untainted `device`, else `device`. Exported like `shareTolerations`. */
export const shareSliceDevice = (device: SliceDevice): SliceDevice =>
  device.taints.length > 0 ? device : sliceDevice(device.name, EMPTY);

/** Paths are built per taint, not per device: most devices have none. */
function readTaints(items: readonly unknown[], devicePath: string): readonly DeviceTaint[] {
  if (items.length === 0) return EMPTY;
  const out = new Array<DeviceTaint>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = readTaint(items[i], `${devicePath}.taints[${i}]`);
  return out;
}

function readSliceDevice(v: unknown, path: string, layout: DeviceLayoutVersion): SliceDevice | null {
  const d = asObject(v, path);
  const name = reqString(d, 'name', path);
  if (layout !== 'v1beta1') {
    return sliceDevice(name, readTaints(optArray(d, 'taints', path), path));
  }
  // v1beta1: fields live under `basic`; a device without it is of a type this client does not know,
  // and upstream ignores such devices entirely (docs/behaviour.md §1.2).
  const basic = optObject(d, 'basic', path);
  if (basic === null) return null;
  const bpath = `${path}.basic`;
  return sliceDevice(name, readTaints(optArray(basic, 'taints', bpath), bpath));
}

/**
 * A malformed slice still says which pool generation it belongs to. Dropping it could make an older,
 * stale generation of its pool current again, whose taints would then act; keeping a stale copy would
 * keep taints the object no longer has. So the slice stays as a placeholder with its pool and
 * generation and no devices: its devices are unknown, which never evicts (rules still apply by
 * selector, as for any unpublished device).
 */
function sliceWithoutDevices(raw: unknown): SliceRecord | null {
  if (!isObject(raw)) return null;
  const m = field(raw, 'metadata');
  const spec = field(raw, 'spec');
  if (!isObject(m) || !isObject(spec)) return null;
  const pool = field(spec, 'pool');
  const name = field(m, 'name');
  const driver = field(spec, 'driver');
  if (!isObject(pool) || typeof name !== 'string' || name === '' || typeof driver !== 'string') return null;
  const poolName = field(pool, 'name');
  // Read exactly as the projector reads it (optInteger, absent = 0): an int64 beyond 2^53 is still a
  // readable generation, and dropping the slice for it would make an older generation current.
  const rawGeneration = field(pool, 'generation');
  const generation = rawGeneration === undefined || rawGeneration === null ? 0 : rawGeneration;
  if (typeof poolName !== 'string' || typeof generation !== 'number' || !Number.isInteger(generation)) return null;
  const uid = field(m, 'uid');
  const rv = field(m, 'resourceVersion');
  const nodeName = field(spec, 'nodeName');
  return {
    name,
    uid: typeof uid === 'string' ? uid : '',
    resourceVersion: typeof rv === 'string' ? rv : '',
    driver: internSliceDriver(driver),
    pool: internParsed(poolName),
    generation,
    nodeName: typeof nodeName === 'string' ? internParsed(nodeName) : '',
    devices: EMPTY,
  };
}

export function makeSliceProjector(layout: DeviceLayoutVersion): Projector<SliceRecord> {
  return projector(
    (raw) => {
      const obj = asObject(raw, '$');
      const m = metadataOf(obj);
      const name = reqString(m, 'name', '$.metadata');
      const uid = reqString(m, 'uid', '$.metadata');
      const resourceVersion = strOrEmpty(m, 'resourceVersion', '$.metadata');
      const spec = asObject(field(obj, 'spec'), '$.spec');
      const pool = asObject(field(spec, 'pool'), '$.spec.pool');
      const rawDevices = optArray(spec, 'devices', '$.spec');
      const devices = new Array<SliceDevice>(rawDevices.length);
      let kept = 0;
      for (let i = 0; i < rawDevices.length; i++) {
        const d = readSliceDevice(rawDevices[i], devicePaths(i), layout);
        if (d !== null) devices[kept++] = d;
      }
      devices.length = kept;
      const driver = reqString(spec, 'driver', '$.spec');
      const poolName = internParsed(reqString(pool, 'name', '$.spec.pool'));
      const nodeName = strOrEmpty(spec, 'nodeName', '$.spec');
      return {
        name,
        uid,
        resourceVersion,
        driver: internSliceDriver(driver),
        pool: poolName,
        generation: optInteger(pool, 'generation', '$.spec.pool') ?? 0,
        // Node-local pools are named after their node: one lookup for both.
        nodeName: nodeName === poolName ? poolName : internParsed(nodeName),
        devices,
      };
    },
    false,
    sliceWithoutDevices,
  );
}

export const projectSlice: Projector<SliceRecord> = makeSliceProjector('v1');
