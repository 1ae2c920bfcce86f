// The other API groups the simulated apiserver serves: events.k8s.io, coordination.k8s.io,
// scheduling.k8s.io (PodGroup, PriorityClass), apps, rbac.authorization.k8s.io, policy, and the review kinds of
// authorization.k8s.io and authentication.k8s.io (notation: ../model.ts).

import { definePackage } from '../model.js';

definePackage(
  'io.k8s.api.events.v1',
  {
    Event:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !eventTime:=mtime#2 series:EventSeries#3 reportingController:s#4 reportingInstance:s#5 action:s#6 reason:s#7 regarding:=core.ObjectReference#8 related:core.ObjectReference#9 note:s#10 type:s#11 deprecatedSource:=core.EventSource#12 deprecatedFirstTimestamp:=time#13 deprecatedLastTimestamp:=time#14 deprecatedCount:i32#15',
    EventSeries: '!count:=i32#1 !lastObservedTime:=mtime#2',
  },
  {
    Event:
      'Event is a report of an event somewhere in the cluster. It generally denotes some state change in the system.',
  },
);

definePackage(
  'io.k8s.api.coordination.v1',
  {
    Lease: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=LeaseSpec#2',
    LeaseSpec:
      'holderIdentity:*s#1 leaseDurationSeconds:*i32#2 acquireTime:mtime#3 renewTime:mtime#4 leaseTransitions:*i32#5 strategy:*s#6 preferredHolder:*s#7',
  },
  {
    Lease: 'Lease defines a lease concept.',
  },
);

// scheduling.k8s.io PodGroup as of v1beta1; the sim serves the same shape at every version it offers.
const SCHEDULING: Readonly<Record<string, string>> = {
  PodGroup: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=PodGroupSpec#2 status:=PodGroupStatus#3',
  PodGroupSpec:
    'parentCompositePodGroupName:*s#1 workloadRef:WorkloadReference#2 !schedulingPolicy:=PodGroupSchedulingPolicy#3 schedulingConstraints:PodGroupSchedulingConstraints#4 resourceClaims:[]PodGroupResourceClaim/map:name~merge,retainKeys:name#5 disruptionMode:DisruptionMode#6 priorityClassName:s#7 priority:*i32#8 preemptionPolicy:*s#9',
  PodGroupStatus:
    'conditions:[]meta.Condition/map:type~merge:type#1 resourceClaimStatuses:[]PodGroupResourceClaimStatus/map:name~merge,retainKeys:name#2',
  WorkloadReference: '!workloadName:=s#1 !templateName:=s#2',
  PodGroupSchedulingPolicy: 'basic:BasicSchedulingPolicy#1 gang:GangSchedulingPolicy#2',
  PodGroupSchedulingConstraints: 'topology:[]TopologyConstraint/atomic#1',
  PodGroupResourceClaim: '!name:=s#1 resourceClaimName:*s#2 resourceClaimTemplateName:*s#3',
  DisruptionMode: 'single:SingleDisruptionMode#1 all:AllDisruptionMode#2',
  PodGroupResourceClaimStatus: '!name:=s#1 resourceClaimName:*s#2',
  BasicSchedulingPolicy: '',
  GangSchedulingPolicy: '!minCount:=i32#1',
  TopologyConstraint: '!key:=s#1',
  SingleDisruptionMode: '',
  AllDisruptionMode: '',
};

for (const version of ['v1', 'v1beta1', 'v1alpha2', 'v1alpha1']) {
  definePackage(`io.k8s.api.scheduling.${version}`, SCHEDULING, {
    PodGroup: 'PodGroup represents a group of pods scheduled together.',
  });
}

definePackage(
  'io.k8s.api.scheduling.v1',
  {
    PriorityClass:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !value:=i32#2 globalDefault:b#3 description:s#4 preemptionPolicy:*s#5',
  },
  {
    PriorityClass:
      'PriorityClass defines mapping from a priority class name to the priority integer value. The value can be any valid integer.',
  },
);

definePackage(
  'io.k8s.api.apps.v1',
  {
    Deployment: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=DeploymentSpec#2 status:=DeploymentStatus#3',
    DeploymentSpec:
      'replicas:*i32#1 !selector:^meta.LabelSelector#2 !template:=core.PodTemplateSpec#3 strategy:=DeploymentStrategy~retainKeys#4 minReadySeconds:i32#5 revisionHistoryLimit:*i32#6 paused:b#7 progressDeadlineSeconds:*i32#9',
    DeploymentStatus:
      'observedGeneration:i64#1 replicas:i32#2 updatedReplicas:i32#3 readyReplicas:i32#7 availableReplicas:i32#4 unavailableReplicas:i32#5 terminatingReplicas:*i32#9 conditions:[]DeploymentCondition/map:type~merge:type#6 collisionCount:*i32#8',
    DeploymentStrategy: 'type:s#1 rollingUpdate:RollingUpdateDeployment#2',
    DeploymentCondition:
      'type:=s#1 status:=s#2 lastUpdateTime:=time#6 lastTransitionTime:=time#7 reason:s#4 message:s#5',
    RollingUpdateDeployment: 'maxUnavailable:ios#1 maxSurge:ios#2',
  },
  {
    Deployment: 'Deployment enables declarative updates for Pods and ReplicaSets.',
  },
);

definePackage(
  'io.k8s.api.rbac.v1',
  {
    Role: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 rules:=[]PolicyRule/atomic#2',
    ClusterRole:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 rules:=[]PolicyRule/atomic#2 aggregationRule:AggregationRule#3',
    RoleBinding: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 subjects:[]Subject/atomic#2 !roleRef:=RoleRef#3',
    ClusterRoleBinding:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 subjects:[]Subject/atomic#2 !roleRef:=RoleRef#3',
    PolicyRule:
      '!verbs:=[]s/atomic#1 apiGroups:[]s/atomic#2 resources:[]s/atomic#3 resourceNames:[]s/atomic#4 nonResourceURLs:[]s/atomic#5',
    AggregationRule: 'clusterRoleSelectors:[]meta.LabelSelector/atomic#1',
    Subject: '!kind:=s#1 apiGroup:s#2 !name:=s#3 namespace:s#4 @atomic',
    RoleRef: 'apiGroup:=s#1 !kind:=s#2 !name:=s#3 @atomic',
  },
  {
    Role: 'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
    ClusterRole:
      'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.',
    RoleBinding: 'RoleBinding references a role, but does not contain it.',
    ClusterRoleBinding: 'ClusterRoleBinding references a ClusterRole, but not contain it.',
  },
);

definePackage(
  'io.k8s.api.policy.v1',
  {
    PodDisruptionBudget:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=PodDisruptionBudgetSpec#2 status:=PodDisruptionBudgetStatus#3',
    Eviction: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 deleteOptions:meta.DeleteOptions#2',
    PodDisruptionBudgetSpec:
      'minAvailable:ios#1 selector:meta.LabelSelector~replace#2 maxUnavailable:ios#3 unhealthyPodEvictionPolicy:*s#4',
    PodDisruptionBudgetStatus:
      'observedGeneration:i64#1 disruptedPods:{}time#2 disruptionsAllowed:=i32#3 currentHealthy:=i32#4 desiredHealthy:=i32#5 expectedPods:=i32#6 conditions:[]meta.Condition/map:type~merge:type#7',
  },
  {
    PodDisruptionBudget:
      'PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods',
    Eviction: 'Eviction evicts a pod from its node subject to certain policies and safety constraints.',
  },
);

definePackage(
  'io.k8s.api.authorization.v1',
  {
    SelfSubjectAccessReview:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=SelfSubjectAccessReviewSpec#2 status:=SubjectAccessReviewStatus#3',
    SelfSubjectRulesReview:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=SelfSubjectRulesReviewSpec#2 status:=SubjectRulesReviewStatus#3',
    SelfSubjectAccessReviewSpec:
      'resourceAttributes:ResourceAttributes#1 nonResourceAttributes:NonResourceAttributes#2',
    SubjectAccessReview:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=SubjectAccessReviewSpec#2 status:=SubjectAccessReviewStatus#3',
    SubjectAccessReviewSpec:
      'resourceAttributes:ResourceAttributes#1 nonResourceAttributes:NonResourceAttributes#2 user:s#3 groups:[]s/atomic#4 extra:{}[]s#5 uid:s#6',
    SubjectAccessReviewStatus: '!allowed:=b#1 denied:b#4 reason:s#2 evaluationError:s#3',
    SelfSubjectRulesReviewSpec: 'namespace:s#1',
    SubjectRulesReviewStatus:
      '!resourceRules:=[]ResourceRule/atomic#1 !nonResourceRules:=[]NonResourceRule/atomic#2 !incomplete:=b#3 evaluationError:s#4',
    ResourceAttributes:
      'namespace:s#1 verb:s#2 group:s#3 version:s#4 resource:s#5 subresource:s#6 name:s#7 fieldSelector:FieldSelectorAttributes#8 labelSelector:LabelSelectorAttributes#9',
    NonResourceAttributes: 'path:s#1 verb:s#2',
    ResourceRule: '!verbs:=[]s/atomic#1 apiGroups:[]s/atomic#2 resources:[]s/atomic#3 resourceNames:[]s/atomic#4',
    NonResourceRule: '!verbs:=[]s/atomic#1 nonResourceURLs:[]s/atomic#2',
    FieldSelectorAttributes: 'rawSelector:s#1 requirements:[]meta.FieldSelectorRequirement/atomic#2',
    LabelSelectorAttributes: 'rawSelector:s#1 requirements:[]meta.LabelSelectorRequirement/atomic#2',
  },
  {
    SelfSubjectAccessReview: 'SelfSubjectAccessReview checks whether or the current user can perform an action.',
    SubjectAccessReview: 'SubjectAccessReview checks whether or not a user or group can perform an action.',
    SelfSubjectRulesReview:
      'SelfSubjectRulesReview enumerates the set of actions the current user can perform within a namespace.',
  },
);

definePackage(
  'io.k8s.api.authentication.v1',
  {
    SelfSubjectReview: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 status:=SelfSubjectReviewStatus#2',
    TokenReview: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !spec:=TokenReviewSpec#2 status:=TokenReviewStatus#3',
    TokenReviewSpec: 'token:s#1 audiences:[]s/atomic#2',
    TokenReviewStatus: 'authenticated:b#1 user:=UserInfo#2 audiences:[]s/atomic#4 error:s#3',
    SelfSubjectReviewStatus: 'userInfo:=UserInfo#1',
    UserInfo: 'username:s#1 uid:s#2 groups:[]s/atomic#3 extra:{}[]s#4',
  },
  {
    SelfSubjectReview:
      'SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.',
    TokenReview: 'TokenReview attempts to authenticate a token to a known user.',
  },
);
