// resource.k8s.io (Dynamic Resource Allocation): v1 and v1beta2 are field-for-field the same, v1beta1
// wraps device fields in `basic` and keeps request fields inline, v1alpha3 only has DeviceTaintRule
// (notation: ../model.ts).

import { definePackage } from '../model.js';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ResourceClaim: 'ResourceClaim describes a request for access to resources in the cluster, for use by workloads.',
  ResourceSlice:
    'ResourceSlice represents one or more resources in a pool of similar resources, managed by a common driver.',
  DeviceClass: 'DeviceClass is a vendor- or admin-provided resource that contains device configuration and selectors.',
  DeviceTaintRule: 'DeviceTaintRule adds one taint to all devices which match the selector.',
  DeviceTaint:
    'The device this taint is attached to has the "effect" on any claim which does not tolerate the taint and, through the claim, to pods using the claim.',
};

const V1: Readonly<Record<string, string>> = {
  DeviceTaintRule:
    'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=DeviceTaintRuleSpec#2 status:=DeviceTaintRuleStatus#3',
  ResourceClaim:
    'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=ResourceClaimSpec#2 status:=ResourceClaimStatus#3',
  ResourceSlice: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=ResourceSliceSpec#2',
  DeviceClass: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=DeviceClassSpec#2',
  DeviceTaintRuleSpec: 'deviceSelector:DeviceTaintSelector#1 !taint:=DeviceTaint#2',
  DeviceTaintRuleStatus: 'conditions:[]meta.Condition/map:type~merge:type#1',
  ResourceClaimSpec: 'devices:=DeviceClaim#1',
  ResourceClaimStatus:
    'allocation:AllocationResult#1 reservedFor:[]ResourceClaimConsumerReference/map:uid~merge:uid#2 devices:[]AllocatedDeviceStatus/map:driver,device,pool,shareID#4',
  ResourceSliceSpec:
    '!driver:=s#1 !pool:=ResourcePool#2 nodeName:*s#3 nodeSelector:core.NodeSelector#4 allNodes:*b#5 devices:[]Device/atomic#6 perDeviceNodeSelection:*b#7 sharedCounters:[]CounterSet/atomic#8 partitionTypeAttribute:*s#9 skipNodeOperations:[]s/set#10',
  DeviceClassSpec:
    'selectors:[]DeviceSelector/atomic#1 config:[]DeviceClassConfiguration/atomic#2 extendedResourceName:*s#4',
  DeviceTaintSelector: 'driver:*s#2 pool:*s#3 device:*s#4',
  DeviceTaint: '!key:=s#1 value:s#2 !effect:=s#3 timeAdded:time#4',
  DeviceClaim:
    'requests:=[]DeviceRequest/atomic#1 constraints:[]DeviceConstraint/atomic#2 config:[]DeviceClaimConfiguration/atomic#3',
  AllocationResult: 'devices:=DeviceAllocationResult#1 nodeSelector:core.NodeSelector#3 allocationTimestamp:time#5',
  ResourceClaimConsumerReference: 'apiGroup:s#1 !resource:=s#3 !name:=s#4 !uid:=s#5',
  AllocatedDeviceStatus:
    '!driver:=s#1 !pool:=s#2 !device:=s#3 shareID:*s#7 conditions:=[]meta.Condition/map:type#4 data:raw#5 networkData:NetworkDeviceData#6',
  ResourcePool: '!name:=s#1 !generation:=i64#2 !resourceSliceCount:=i64#3',
  Device:
    '!name:=s#1 attributes:{}DeviceAttribute#2 capacity:{}DeviceCapacity#3 consumesCounters:[]DeviceCounterConsumption/atomic#4 nodeName:*s#5 nodeSelector:core.NodeSelector#6 allNodes:*b#7 taints:[]DeviceTaint/atomic#8 bindsToNode:*b#9 bindingConditions:[]s/atomic#10 bindingFailureConditions:[]s/atomic#11 allowMultipleAllocations:*b#12 nodeAllocatableResources:{}NodeAllocatableResource#14',
  CounterSet: '!name:=s#1 !counters:{}Counter#2',
  DeviceSelector: 'cel:CELDeviceSelector#1',
  DeviceClassConfiguration: '@inline=DeviceConfiguration#1',
  DeviceRequest: '!name:=s#1 exactly:ExactDeviceRequest#2 firstAvailable:[]DeviceSubRequest/atomic#3',
  DeviceConstraint: 'requests:[]s/atomic#1 matchAttribute:*s#2 distinctAttribute:*s#3',
  DeviceClaimConfiguration: 'requests:[]s/atomic#1 @inline=DeviceConfiguration#2',
  DeviceAllocationResult:
    'results:[]DeviceRequestAllocationResult/atomic#1 config:[]DeviceAllocationConfiguration/atomic#2',
  NetworkDeviceData: 'interfaceName:s#1 ips:[]s/atomic#2 hardwareAddress:s#3',
  DeviceAttribute:
    'int:*i64#2 bool:*b#3 string:*s#4 version:*s#5 ints:[]i64/atomic#6 bools:[]b/atomic#7 strings:[]s/atomic#8 versions:[]s/atomic#9',
  DeviceCapacity: '!value:=qty#1 requestPolicy:CapacityRequestPolicy#2',
  DeviceCounterConsumption: '!counterSet:=s#1 !counters:{}Counter#2',
  NodeAllocatableResource: 'mapping:NodeAllocatableMapping#3 overhead:NodeAllocatableOverhead#4',
  Counter: '!value:=qty#1',
  CELDeviceSelector: '!expression:=s#1',
  DeviceConfiguration: 'opaque:OpaqueDeviceConfiguration#1',
  ExactDeviceRequest:
    '!deviceClassName:=s#1 selectors:[]DeviceSelector/atomic#2 allocationMode:s#3 count:i64#4 adminAccess:*b#5 tolerations:[]DeviceToleration/atomic#6 capacity:CapacityRequirements#7',
  DeviceSubRequest:
    '!name:=s#1 !deviceClassName:=s#2 selectors:[]DeviceSelector/atomic#3 allocationMode:s#4 count:i64#5 tolerations:[]DeviceToleration/atomic#6 capacity:CapacityRequirements#7',
  DeviceRequestAllocationResult:
    '!request:=s#1 !driver:=s#2 !pool:=s#3 !device:=s#4 adminAccess:*b#5 tolerations:[]DeviceToleration/atomic#6 bindingConditions:[]s/atomic#7 bindingFailureConditions:[]s/atomic#8 shareID:*s#9 consumedCapacity:{}qty#10 skipNodeOperations:[]s/set#11',
  DeviceAllocationConfiguration: '!source:=s#1 requests:[]s/atomic#2 @inline=DeviceConfiguration#3',
  CapacityRequestPolicy: 'default:^qty#1 validValues:[]qty/atomic#3 validRange:CapacityRequestPolicyRange#4',
  NodeAllocatableMapping: 'capacityKey:*s#1 capacityMultiplier:qty#2 deviceMultiplier:qty#3',
  NodeAllocatableOverhead: 'perPod:qty#1 perContainer:qty#2',
  OpaqueDeviceConfiguration: '!driver:=s#1 !parameters:=raw#2',
  DeviceToleration: 'key:s#1 operator:s#2 value:s#3 effect:s#4 tolerationSeconds:*i64#5',
  CapacityRequirements: 'requests:{}qty#1',
  CapacityRequestPolicyRange: '!min:qty#1 max:qty#2 step:qty#3',
};

definePackage('io.k8s.api.resource.v1', V1, DESCRIPTIONS);
definePackage('io.k8s.api.resource.v1beta2', V1, DESCRIPTIONS);

definePackage(
  'io.k8s.api.resource.v1beta1',
  {
    ResourceClaim:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=ResourceClaimSpec#2 status:=ResourceClaimStatus#3',
    ResourceSlice: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=ResourceSliceSpec#2',
    DeviceClass: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=DeviceClassSpec#2',
    ResourceClaimSpec: 'devices:=DeviceClaim#1',
    ResourceClaimStatus:
      'allocation:AllocationResult#1 reservedFor:[]ResourceClaimConsumerReference/map:uid~merge:uid#2 devices:[]AllocatedDeviceStatus/map:driver,device,pool,shareID#4',
    ResourceSliceSpec:
      '!driver:=s#1 !pool:=ResourcePool#2 nodeName:s#3 nodeSelector:core.NodeSelector#4 allNodes:b#5 devices:[]Device/atomic#6 perDeviceNodeSelection:*b#7 sharedCounters:[]CounterSet/atomic#8 partitionTypeAttribute:*s#9 skipNodeOperations:[]s/set#10',
    DeviceClassSpec:
      'selectors:[]DeviceSelector/atomic#1 config:[]DeviceClassConfiguration/atomic#2 extendedResourceName:*s#4',
    DeviceClaim:
      'requests:=[]DeviceRequest/atomic#1 constraints:[]DeviceConstraint/atomic#2 config:[]DeviceClaimConfiguration/atomic#3',
    AllocationResult: 'devices:=DeviceAllocationResult#1 nodeSelector:core.NodeSelector#3 allocationTimestamp:time#5',
    ResourceClaimConsumerReference: 'apiGroup:s#1 !resource:=s#3 !name:=s#4 !uid:=s#5',
    AllocatedDeviceStatus:
      '!driver:=s#1 !pool:=s#2 !device:=s#3 shareID:*s#7 conditions:=[]meta.Condition/map:type#4 data:raw#5 networkData:NetworkDeviceData#6',
    ResourcePool: '!name:=s#1 !generation:=i64#2 !resourceSliceCount:=i64#3',
    Device: '!name:=s#1 basic:BasicDevice#2',
    CounterSet: '!name:=s#1 !counters:{}Counter#2',
    DeviceSelector: 'cel:CELDeviceSelector#1',
    DeviceClassConfiguration: '@inline=DeviceConfiguration#1',
    DeviceRequest:
      '!name:=s#1 deviceClassName:=s#2 selectors:[]DeviceSelector/atomic#3 allocationMode:s#4 count:i64#5 adminAccess:*b#6 firstAvailable:[]DeviceSubRequest/atomic#7 tolerations:[]DeviceToleration/atomic#8 capacity:CapacityRequirements#9',
    DeviceConstraint: 'requests:[]s/atomic#1 matchAttribute:*s#2 distinctAttribute:*s#3',
    DeviceClaimConfiguration: 'requests:[]s/atomic#1 @inline=DeviceConfiguration#2',
    DeviceAllocationResult:
      'results:[]DeviceRequestAllocationResult/atomic#1 config:[]DeviceAllocationConfiguration/atomic#2',
    NetworkDeviceData: 'interfaceName:s#1 ips:[]s/atomic#2 hardwareAddress:s#3',
    BasicDevice:
      'attributes:{}DeviceAttribute#1 capacity:{}DeviceCapacity#2 consumesCounters:[]DeviceCounterConsumption/atomic#3 nodeName:*s#4 nodeSelector:core.NodeSelector#5 allNodes:*b#6 taints:[]DeviceTaint/atomic#7 bindsToNode:*b#8 bindingConditions:[]s/atomic#9 bindingFailureConditions:[]s/atomic#10 allowMultipleAllocations:*b#11 nodeAllocatableResources:{}NodeAllocatableResource#14',
    Counter: '!value:=qty#1',
    CELDeviceSelector: '!expression:=s#1',
    DeviceConfiguration: 'opaque:OpaqueDeviceConfiguration#1',
    DeviceSubRequest:
      '!name:=s#1 !deviceClassName:=s#2 selectors:[]DeviceSelector/atomic#3 allocationMode:s#4 count:i64#5 tolerations:[]DeviceToleration/atomic#7 capacity:CapacityRequirements#8',
    DeviceToleration: 'key:s#1 operator:s#2 value:s#3 effect:s#4 tolerationSeconds:*i64#5',
    CapacityRequirements: 'requests:{}qty#1',
    DeviceRequestAllocationResult:
      '!request:=s#1 !driver:=s#2 !pool:=s#3 !device:=s#4 adminAccess:*b#5 tolerations:[]DeviceToleration/atomic#6 bindingConditions:[]s/atomic#7 bindingFailureConditions:[]s/atomic#8 shareID:*s#9 consumedCapacity:{}qty#10 skipNodeOperations:[]s/set#11',
    DeviceAllocationConfiguration: '!source:=s#1 requests:[]s/atomic#2 @inline=DeviceConfiguration#3',
    DeviceAttribute:
      'int:*i64#2 bool:*b#3 string:*s#4 version:*s#5 ints:[]i64/atomic#6 bools:[]b/atomic#7 strings:[]s/atomic#8 versions:[]s/atomic#9',
    DeviceCapacity: '!value:=qty#1 requestPolicy:CapacityRequestPolicy#2',
    DeviceCounterConsumption: '!counterSet:=s#1 !counters:{}Counter#2',
    DeviceTaint: '!key:=s#1 value:s#2 !effect:=s#3 timeAdded:time#4',
    NodeAllocatableResource: 'mapping:NodeAllocatableMapping#3 overhead:NodeAllocatableOverhead#4',
    OpaqueDeviceConfiguration: '!driver:=s#1 !parameters:=raw#2',
    CapacityRequestPolicy: 'default:^qty#1 validValues:[]qty/atomic#3 validRange:CapacityRequestPolicyRange#4',
    NodeAllocatableMapping: 'capacityKey:*s#1 capacityMultiplier:qty#2 deviceMultiplier:qty#3',
    NodeAllocatableOverhead: 'perPod:qty#1 perContainer:qty#2',
    CapacityRequestPolicyRange: '!min:qty#1 max:qty#2 step:qty#3',
  },
  DESCRIPTIONS,
);

definePackage(
  'io.k8s.api.resource.v1alpha3',
  {
    DeviceTaintRule:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=DeviceTaintRuleSpec#2 status:=DeviceTaintRuleStatus#3',
    DeviceTaintRuleSpec: 'deviceSelector:DeviceTaintSelector#1 !taint:=DeviceTaint#2',
    DeviceTaintRuleStatus: 'conditions:[]meta.Condition/map:type~merge:type#1',
    DeviceTaintSelector: 'driver:*s#2 pool:*s#3 device:*s#4',
    DeviceTaint: '!key:=s#1 value:s#2 !effect:=s#3 timeAdded:time#4',
  },
  DESCRIPTIONS,
);
