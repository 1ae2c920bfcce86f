// The shared test data of upstream's scenario tests (docs/behaviour.md §4.1) as compact records, named
// like upstream's fixtures and built on the record factory (test/support/records.ts).

import type {
  AllocatedDevice,
  ClaimRecord,
  DeviceTaint,
  DeviceToleration,
  PodRecord,
  RuleRecord,
  SliceDevice,
  SliceRecord,
} from '../../src/shared/types.js';
import {
  allocatedDevice,
  claimByName,
  claimFromTemplate,
  claimRecord,
  deviceTaint,
  podConsumer,
  podRecord,
  ruleRecord,
  sliceRecord,
  toleration,
} from '../support/records.js';

export const nodeName = 'worker';
export const nodeName2 = 'worker-2';
export const driver = 'some-driver';
export const namespace = 'default';
export const podName = 'my-pod';
export const podUID = '1234';
export const podGroupName = 'my-podgroup';
export const podGroupUID = '5678';
export const resourceName = 'my-resource';
export const claimName = `${podName}-${resourceName}`;
export const taintKey = 'example.com/taint';
export const taintValue = 'something';
/** 2000-01-01T00:00:00Z: the virtual clock starts here. */
export const taintTime = Date.UTC(2000, 0, 1);
export const S = 1000;
export const ruleStatusPeriod = 10 * S;
export const tolerationDuration = 3600 * S;
export const taintTimeLater = taintTime + 40 * S;

const taint = (key: string, value: string, effect: string, timeAdded: number | null): DeviceTaint =>
  deviceTaint({ key, value, effect, timeAdded });

export { toleration };

// ---- Slices -----------------------------------------------------------------------------------

const makeSlice = (name: string, pool: string, generation: number, devices: SliceDevice[]): SliceRecord =>
  sliceRecord({ name, driver, pool, generation, devices });

const withDevices = (
  s: SliceRecord,
  devices: readonly SliceDevice[],
  extra: Partial<SliceRecord> = {},
): SliceRecord => ({
  ...s,
  ...extra,
  devices,
});

export const simpleSlice = makeSlice(`${nodeName}-${driver}`, nodeName, 1, [{ name: 'instance', taints: [] }]);

export const slice = makeSlice(`${nodeName}-${driver}`, nodeName, 1, [
  { name: 'instance', taints: [] },
  { name: 'instance-no-schedule', taints: [taint(taintKey, '', 'NoSchedule', null)] },
  {
    name: 'instance-no-execute',
    taints: [taint(taintKey, '', 'None', taintTime), taint(taintKey, '', 'NoExecute', taintTime)],
  },
]);

export const sliceReplaced = withDevices(slice, slice.devices, {
  name: `${slice.name}-updated`,
  uid: `uid-${slice.name}-updated`,
  generation: slice.generation + 1,
});

export const sliceOtherDevices = withDevices(
  slice,
  slice.devices.map((d) => ({ ...d, name: `${d.name}-other` })),
);

export const evictTaint = taint(taintKey, taintValue, 'NoExecute', taintTime);

const replaceDevice0 = (s: SliceRecord, taints: DeviceTaint[]): SliceRecord =>
  withDevices(s, [{ name: s.devices[0]!.name, taints }, ...s.devices.slice(1)]);

export const sliceTainted = replaceDevice0(slice, [evictTaint]);

export const sliceTaintedExtended = withDevices(sliceTainted, [
  ...sliceTainted.devices,
  { name: 'instance-other', taints: sliceTainted.devices[0]!.taints },
]);

const withEffect = (s: SliceRecord, effect: string): SliceRecord =>
  withDevices(
    s,
    s.devices.map((d) => ({ ...d, taints: d.taints.map((t) => ({ ...t, effect })) })),
  );

export const sliceTaintedNone = withEffect(sliceTainted, 'None');
export const sliceTaintedUnknown = withEffect(sliceTainted, 'unknown-effect');
export const sliceTaintedNoSchedule = withEffect(sliceTainted, 'NoSchedule');
export const sliceTaintedValueOther = replaceDevice0(sliceTainted, [
  taint(taintKey, `${taintValue}-other`, 'NoExecute', taintTime),
]);
export const taint1 = taint(taintKey, '', 'NoExecute', taintTime);
export const taint2 = taint(`${taintKey}-other`, '', 'NoExecute', taintTime);
export const sliceTaintedTwice = replaceDevice0(slice, [taint1, taint2]);
export const sliceUntainted = withDevices(
  slice,
  slice.devices.map((d) => ({ ...d, taints: [] })),
);
export const slice2 = withDevices(slice, slice.devices, {
  name: `${slice.name}-2`,
  uid: `uid-${slice.name}-2`,
  pool: nodeName2,
  nodeName: nodeName2,
  generation: slice.generation + 1,
});

// ---- Rules ------------------------------------------------------------------------------------

const makeRule = (
  name: string,
  uid: string,
  selector: RuleRecord['selector'],
  effect: string,
  timeAdded: number,
): RuleRecord => ruleRecord({ name, uid, selector, taint: taint(taintKey, taintValue, effect, timeAdded) });

export const ruleEvict = makeRule('evict', '1234', { driver }, 'NoExecute', taintTime);
export const ruleNone = makeRule('evict', '1234', { driver }, 'None', taintTime);
export const ruleEvictOther = makeRule('evict-other', '1234-other', { device: 'instance' }, 'NoExecute', taintTime);
export const ruleEvictInstance1 = makeRule(
  'evict-instance',
  '1234',
  { driver, device: 'instance' },
  'NoExecute',
  taintTime,
);
export const ruleEvictInstance2Later = makeRule(
  'evict-instance-no-execute',
  '5678',
  { driver, device: 'instance-no-execute' },
  'NoExecute',
  taintTimeLater,
);

// ---- Claims -----------------------------------------------------------------------------------

const device = (name: string, tolerations: DeviceToleration[] = []): AllocatedDevice =>
  allocatedDevice({ request: 'req-1', driver, pool: nodeName, device: name, tolerations });

export const claim: ClaimRecord = claimRecord({ namespace, name: claimName, uid: 'claim-uid' });

export const inUseClaim: ClaimRecord = {
  ...claim,
  controllerOwnerUid: podUID,
  allocation: [device('instance')],
  reservedFor: [podConsumer(podName, podUID)],
};

export const inUseClaimByPodGroup: ClaimRecord = {
  ...claim,
  controllerOwnerUid: podGroupUID,
  allocation: [device('instance')],
  reservedFor: [{ apiGroup: 'scheduling.k8s.io', resource: 'podgroups', name: podGroupName, uid: podGroupUID }],
};

const otherDevices = [device('instance-no-schedule'), device('instance-no-execute')];

export const inUseClaimOtherNamespace: ClaimRecord = {
  ...claim,
  namespace: `${namespace}-other`,
  controllerOwnerUid: `${podUID}-2`,
  allocation: otherDevices,
  reservedFor: [podConsumer(podName, `${podUID}-2`)],
};

export const inUseClaimOtherName: ClaimRecord = {
  ...claim,
  name: `${claimName}-other`,
  controllerOwnerUid: `${podUID}-3`,
  allocation: otherDevices,
  reservedFor: [podConsumer(`${podName}-other`, `${podUID}-3`)],
};

export const inUseClaimOtherNameShared: ClaimRecord = {
  ...inUseClaimOtherName,
  reservedFor: [podConsumer(podName, podUID), podConsumer(`${podName}-other`, `${podUID}-3`)],
};

/** inUseClaim whose only device carries `tolerations`. */
export const inUseClaimTolerating = (...tolerations: DeviceToleration[]): ClaimRecord => ({
  ...inUseClaim,
  allocation: [device('instance', tolerations)],
});

export const inUseClaimWithToleration = inUseClaimTolerating(
  toleration({
    key: taintKey,
    operator: 'Equal',
    value: taintValue,
    effect: 'NoExecute',
    tolerationSeconds: tolerationDuration / S,
  }),
);

export const inUseClaimOld: ClaimRecord = { ...inUseClaim, uid: 'other', controllerOwnerUid: `${podUID}-other` };

// ---- Pods -------------------------------------------------------------------------------------

const makePod = (p: Partial<PodRecord>): PodRecord =>
  podRecord({ namespace, name: podName, uid: podUID, nodeName, ...p });

const byName = claimByName;

export const podWithClaimName = makePod({ resourceClaims: [byName(resourceName, claimName)] });
export const unscheduledPodWithClaimName = makePod({ ...podWithClaimName, nodeName: '' });
export const podWithPodGroup = makePod({ podGroupName });
export const podWithPodGroupClaim = makePod({ ...podWithClaimName, podGroupName });
export const podWithTwoClaimNames = makePod({
  resourceClaims: [byName(resourceName, claimName), byName(`${resourceName}-other`, `${claimName}-other`)],
});
export const podWithClaimNameOtherUID = makePod({ ...podWithClaimName, uid: `${podUID}-other` });
export const podWithClaimNameOtherNamespace = makePod({
  ...podWithClaimName,
  namespace: `${namespace}-other`,
  uid: `${podUID}-2`,
});
export const podWithClaimNameOtherName = makePod({
  name: `${podName}-other`,
  uid: `${podUID}-3`,
  resourceClaims: [byName(resourceName, `${claimName}-other`)],
});
export const podWithClaimTemplate = makePod({ resourceClaims: [claimFromTemplate(resourceName, claimName)] });
export const podWithClaimTemplateInStatus = makePod({
  ...podWithClaimTemplate,
  resourceClaimStatuses: [{ name: resourceName, resourceClaimName: claimName }],
});
export const podWithClaimTemplateNoClaimInStatus = makePod({
  ...podWithClaimTemplate,
  resourceClaimStatuses: [{ name: resourceName, resourceClaimName: null }],
});
export const podWithoutClaimsScheduled = makePod({});
export const podWithExtendedResourceClaimInStatus = makePod({ extendedResourceClaimName: claimName });

/** `{...r, ...changes}` with a fresh resourceVersion: a no-op update in informer terms. */
export const touched = <T extends { resourceVersion: string }>(r: T): T => ({ ...r, resourceVersion: '2' });
