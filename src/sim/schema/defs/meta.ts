// ObjectMeta and the other shared types of k8s.io/apimachinery/pkg/apis/meta/v1 (see ../model.ts
// for the notation).

import { definePackage, PACKAGE_ALIASES } from '../model.js';

definePackage(
  PACKAGE_ALIASES.meta!,
  {
    ObjectMeta:
      'name:s#1 generateName:s#2 namespace:s#3 selfLink:s#4 uid:s#5 resourceVersion:s#6 generation:i64#7 creationTimestamp:time#8 deletionTimestamp:time#9 deletionGracePeriodSeconds:*i64#10 labels:{}s#11 annotations:{}s#12 ownerReferences:[]OwnerReference/map:uid~merge:uid#13 finalizers:[]s/set~merge#14 managedFields:[]ManagedFieldsEntry/atomic#17',
    ListMeta: 'selfLink:s#1 resourceVersion:s#2 continue:s#3 remainingItemCount:*i64#4 shardInfo:ShardInfo#5',
    LabelSelector: 'matchLabels:{}s#1 matchExpressions:[]LabelSelectorRequirement/atomic#2 @atomic',
    Condition:
      '!type:=s#1 !status:=s#2 observedGeneration:i64#3 !lastTransitionTime:=time#4 !reason:=s#5 !message:=s#6',
    OwnerReference: '!apiVersion:=s#5 !kind:=s#1 !name:=s#3 !uid:=s#4 controller:*b#6 blockOwnerDeletion:*b#7 @atomic',
    ManagedFieldsEntry:
      'manager:s#1 operation:s#2 apiVersion:s#3 time:time#4 fieldsType:s#6 fieldsV1:fieldsV1#7 subresource:s#8',
    Status:
      'apiVersion:s kind:s metadata:=ListMeta#1 status:s#2 message:s#3 reason:s#4 details:StatusDetails#5 code:i32#6',
    DeleteOptions:
      'apiVersion:s kind:s gracePeriodSeconds:*i64#1 preconditions:Preconditions#2 orphanDependents:*b#3 propagationPolicy:*s#4 dryRun:[]s/atomic#5 ignoreStoreReadErrorWithClusterBreakingPotential:*b#6',
    Preconditions: 'uid:*s#1 resourceVersion:*s#2',
    StatusDetails: 'name:s#1 group:s#2 kind:s#3 uid:s#6 causes:[]StatusCause/atomic#4 retryAfterSeconds:i32#5',
    StatusCause: 'reason:s#1 message:s#2 field:s#3',
    ShardInfo: '!selector:=s#1',
    LabelSelectorRequirement: '!key:=s#1 !operator:=s#2 values:[]s/atomic#3',
    FieldSelectorRequirement: '!key:=s#1 !operator:=s#2 values:[]s/atomic#3',
    WatchEvent: '!type:=s#1 !object:=raw#2',
    Patch: '',
  },
  {
    ObjectMeta:
      'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    ListMeta:
      'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
    Status: 'Status is a return value for calls that do not return other objects.',
    DeleteOptions: 'DeleteOptions may be provided when deleting an API object.',
    Condition: 'Condition contains details for one aspect of the current state of this API Resource.',
    LabelSelector: 'A label selector is a label query over a set of resources.',
    Patch: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    WatchEvent: 'Event represents a single event to a watched resource.',
  },
);
