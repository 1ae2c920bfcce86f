// The core/v1 types the simulated apiserver serves (Pod, Node, Namespace, Event, ServiceAccount,
// Service, ConfigMap) and everything they contain, from k8s.io/api/core/v1 (notation: ../model.ts).

import { definePackage, PACKAGE_ALIASES } from '../model.js';

definePackage(
  PACKAGE_ALIASES.core!,
  {
    Pod: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=PodSpec#2 status:=PodStatus#3',
    Node: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=NodeSpec#2 status:=NodeStatus#3',
    Namespace: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=NamespaceSpec#2 status:=NamespaceStatus#3',
    Event:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 !involvedObject:=ObjectReference#2 reason:s#3 message:s#4 source:=EventSource#5 firstTimestamp:=time#6 lastTimestamp:=time#7 count:i32#8 type:s#9 eventTime:=mtime#10 series:EventSeries#11 action:s#12 related:ObjectReference#13 reportingComponent:=s#14 reportingInstance:=s#15',
    ServiceAccount:
      'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 secrets:[]ObjectReference/map:name~merge:name#2 imagePullSecrets:[]LocalObjectReference/atomic#3 automountServiceAccountToken:*b#4',
    Service: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 spec:=ServiceSpec#2 status:=ServiceStatus#3',
    ConfigMap: 'apiVersion:s kind:s metadata:=meta.ObjectMeta#1 immutable:*b#4 data:{}s#2 binaryData:{}bytes#3',
    PodTemplateSpec: 'metadata:=meta.ObjectMeta#1 spec:=PodSpec#2',
    PodSpec:
      'volumes:[]Volume/map:name~merge,retainKeys:name#1 initContainers:[]Container/map:name~merge:name#20 !containers:=[]Container/map:name~merge:name#2 ephemeralContainers:[]EphemeralContainer/map:name~merge:name#34 restartPolicy:s#3 terminationGracePeriodSeconds:*i64#4 activeDeadlineSeconds:*i64#5 dnsPolicy:s#6 nodeSelector:{}s/atomic#7 serviceAccountName:s#8 serviceAccount:s#9 automountServiceAccountToken:*b#21 nodeName:s#10 hostNetwork:b#11 hostPID:b#12 hostIPC:b#13 shareProcessNamespace:*b#27 securityContext:PodSecurityContext#14 imagePullSecrets:[]LocalObjectReference/map:name~merge:name#15 hostname:s#16 subdomain:s#17 affinity:Affinity#18 schedulerName:s#19 tolerations:[]Toleration/atomic#22 hostAliases:[]HostAlias/map:ip~merge:ip#23 priorityClassName:s#24 priority:*i32#25 dnsConfig:PodDNSConfig#26 readinessGates:[]PodReadinessGate/atomic#28 runtimeClassName:*s#29 enableServiceLinks:*b#30 preemptionPolicy:*s#31 overhead:{}qty#32 topologySpreadConstraints:[]TopologySpreadConstraint/map:topologyKey,whenUnsatisfiable~merge:topologyKey#33 setHostnameAsFQDN:*b#35 os:PodOS#36 hostUsers:*b#37 schedulingGates:[]PodSchedulingGate/map:name~merge:name#38 resourceClaims:[]PodResourceClaim/map:name~merge,retainKeys:name#39 resources:ResourceRequirements#40 hostnameOverride:*s#41 schedulingGroup:PodSchedulingGroup#43 evictionResponders:[]EvictionResponder/map:name~merge:name#44',
    PodStatus:
      'observedGeneration:i64#17 phase:s#1 conditions:[]PodCondition/map:type~merge:type#2 message:s#3 reason:s#4 nominatedNodeName:s#11 hostIP:s#5 hostIPs:[]HostIP/atomic~merge:ip#16 podIP:s#6 podIPs:[]PodIP/map:ip~merge:ip#12 startTime:time#7 initContainerStatuses:[]ContainerStatus/atomic#10 containerStatuses:[]ContainerStatus/atomic#8 qosClass:s#9 ephemeralContainerStatuses:[]ContainerStatus/atomic#13 resize:s#14 resourceClaimStatuses:[]PodResourceClaimStatus/map:name~merge,retainKeys:name#15 extendedResourceClaimStatus:PodExtendedResourceClaimStatus#18 allocatedResources:{}qty#19 resources:ResourceRequirements#20 nodeAllocatableResourceClaimStatuses:[]NodeAllocatableResourceClaimStatus/map:resourceClaimName~merge:resourceClaimName#21 volumeHealth:[]PodVolumeHealth/map:name#22',
    NodeSpec:
      'podCIDR:s#1 podCIDRs:[]s/set~merge#7 providerID:s#3 unschedulable:b#4 taints:[]Taint/atomic#5 configSource:NodeConfigSource#6 externalID:s#2 podPreemptionPolicy:NodePodPreemptionPolicy#8',
    NodeStatus:
      'capacity:{}qty#1 allocatable:{}qty#2 phase:s#3 conditions:[]NodeCondition/map:type~merge:type#4 addresses:[]NodeAddress/map:type~merge:type#5 daemonEndpoints:=NodeDaemonEndpoints#6 nodeInfo:=NodeSystemInfo#7 images:[]ContainerImage/atomic#8 volumesInUse:[]s/atomic#9 volumesAttached:[]AttachedVolume/atomic#10 config:NodeConfigStatus#11 runtimeHandlers:[]NodeRuntimeHandler/atomic#12 features:NodeFeatures#13 declaredFeatures:[]s/atomic#14',
    NamespaceSpec: 'finalizers:[]s/atomic#1',
    NamespaceStatus: 'phase:s#1 conditions:[]NamespaceCondition/map:type~merge:type#2',
    ObjectReference: 'kind:s#1 namespace:s#2 name:s#3 uid:s#4 apiVersion:s#5 resourceVersion:s#6 fieldPath:s#7 @atomic',
    EventSource: 'component:s#1 host:s#2',
    EventSeries: 'count:i32#1 lastObservedTime:=mtime#2',
    LocalObjectReference: 'name:s#1 @atomic',
    ServiceSpec:
      'ports:[]ServicePort/map:port,protocol~merge:port#1 selector:{}s/atomic#2 clusterIP:s#3 clusterIPs:[]s/atomic#18 type:s#4 externalIPs:[]s/atomic#5 sessionAffinity:s#7 loadBalancerIP:s#8 loadBalancerSourceRanges:[]s/atomic#9 externalName:s#10 externalTrafficPolicy:s#11 healthCheckNodePort:i32#12 publishNotReadyAddresses:b#13 sessionAffinityConfig:SessionAffinityConfig#14 ipFamilies:[]s/atomic#19 ipFamilyPolicy:*s#17 allocateLoadBalancerNodePorts:*b#20 loadBalancerClass:*s#21 internalTrafficPolicy:*s#22 trafficDistribution:*s#23',
    ServiceStatus: 'loadBalancer:=LoadBalancerStatus#1 conditions:[]meta.Condition/map:type~merge:type#2',
    Volume: '!name:=s#1 @inline=VolumeSource#2',
    Container:
      '!name:=s#1 image:s#2 command:[]s/atomic#3 args:[]s/atomic#4 workingDir:s#5 ports:[]ContainerPort/map:containerPort,protocol~merge:containerPort#6 envFrom:[]EnvFromSource/atomic#19 env:[]EnvVar/map:name~merge:name#7 resources:=ResourceRequirements#8 resizePolicy:[]ContainerResizePolicy/atomic#23 restartPolicy:*s#24 restartPolicyRules:[]ContainerRestartRule/atomic#25 volumeMounts:[]VolumeMount/map:mountPath~merge:mountPath#9 volumeDevices:[]VolumeDevice/map:devicePath~merge:devicePath#21 livenessProbe:Probe#10 readinessProbe:Probe#11 startupProbe:Probe#22 lifecycle:Lifecycle#12 terminationMessagePath:s#13 terminationMessagePolicy:s#20 imagePullPolicy:s#14 securityContext:SecurityContext#15 stdin:b#16 stdinOnce:b#17 tty:b#18',
    EphemeralContainer: 'targetContainerName:s#2 @inline=EphemeralContainerCommon#1',
    PodSecurityContext:
      'seLinuxOptions:SELinuxOptions#1 windowsOptions:WindowsSecurityContextOptions#8 runAsUser:*i64#2 runAsGroup:*i64#6 runAsNonRoot:*b#3 supplementalGroups:[]i64/atomic#4 supplementalGroupsPolicy:*s#12 fsGroup:*i64#5 sysctls:[]Sysctl/atomic#7 fsGroupChangePolicy:*s#9 seccompProfile:SeccompProfile#10 appArmorProfile:AppArmorProfile#11 seLinuxChangePolicy:*s#13',
    Affinity: 'nodeAffinity:NodeAffinity#1 podAffinity:PodAffinity#2 podAntiAffinity:PodAntiAffinity#3',
    Toleration: 'key:s#1 operator:s#2 value:s#3 effect:s#4 tolerationSeconds:*i64#5',
    HostAlias: '!ip:=s#1 hostnames:[]s/atomic#2',
    PodDNSConfig: 'nameservers:[]s/atomic#1 searches:[]s/atomic#2 options:[]PodDNSConfigOption/atomic#3',
    PodReadinessGate: '!conditionType:=s#1',
    TopologySpreadConstraint:
      '!maxSkew:=i32#1 !topologyKey:=s#2 !whenUnsatisfiable:=s#3 labelSelector:meta.LabelSelector#4 minDomains:*i32#5 nodeAffinityPolicy:*s#6 nodeTaintsPolicy:*s#7 matchLabelKeys:[]s/atomic#8',
    PodOS: '!name:=s#1',
    PodSchedulingGate: '!name:=s#1',
    PodResourceClaim: '!name:=s#1 resourceClaimName:*s#3 resourceClaimTemplateName:*s#4',
    ResourceRequirements: 'limits:{}qty#1 requests:{}qty#2 claims:[]ResourceClaim/map:name#3',
    PodSchedulingGroup: 'podGroupName:*s#1',
    EvictionResponder: '!name:=s#1 !priority:^i32#2 @atomic',
    PodCondition:
      '!type:=s#1 observedGeneration:i64#7 !status:=s#2 lastProbeTime:=time#3 lastTransitionTime:=time#4 reason:s#5 message:s#6',
    HostIP: '!ip:=s#1',
    PodIP: '!ip:=s#1',
    ContainerStatus:
      '!name:=s#1 state:=ContainerState#2 lastState:=ContainerState#3 !ready:=b#4 !restartCount:=i32#5 !image:=s#6 !imageID:=s#7 containerID:s#8 started:*b#9 allocatedResources:{}qty#10 resources:ResourceRequirements#11 volumeMounts:[]VolumeMountStatus/map:mountPath~merge:mountPath#12 user:ContainerUser#13 allocatedResourcesStatus:[]ResourceStatus/map:name~merge:name#14 stopSignal:*s#15',
    PodResourceClaimStatus: '!name:=s#1 resourceClaimName:*s#2',
    PodExtendedResourceClaimStatus:
      '!requestMappings:=[]ContainerExtendedResourceRequest/atomic#1 !resourceClaimName:=s#2',
    NodeAllocatableResourceClaimStatus:
      '!resourceClaimName:=s#1 containers:[]s/set#2 mapping:[]NodeAllocatableMappedResources/map:name~merge:name#4 overhead:[]NodeAllocatableOverheadResources/map:name~merge:name#5',
    PodVolumeHealth:
      '!name:=s#1 healthConditions:[]VolumeHealthCondition/map:status,reason~merge:status#2 lastTransitionTime:=time#3',
    Taint: '!key:=s#1 value:s#2 !effect:=s#3 timeAdded:time#4',
    NodeConfigSource: 'configMap:ConfigMapNodeConfigSource#2',
    NodePodPreemptionPolicy: 'disableResizePreemption:[]s/set#1',
    NodeCondition:
      '!type:=s#1 !status:=s#2 lastHeartbeatTime:=time#3 lastTransitionTime:=time#4 reason:s#5 message:s#6',
    NodeAddress: '!type:=s#1 !address:=s#2',
    NodeDaemonEndpoints: 'kubeletEndpoint:=DaemonEndpoint#1',
    NodeSystemInfo:
      '!machineID:=s#1 !systemUUID:=s#2 !bootID:=s#3 !kernelVersion:=s#4 !osImage:=s#5 !containerRuntimeVersion:=s#6 !kubeletVersion:=s#7 !kubeProxyVersion:=s#8 !operatingSystem:=s#9 !architecture:=s#10 swap:NodeSwapStatus#11',
    ContainerImage: 'names:=[]s/atomic#1 sizeBytes:i64#2',
    AttachedVolume: '!name:=s#1 !devicePath:=s#2',
    NodeConfigStatus:
      'assigned:NodeConfigSource#1 active:NodeConfigSource#2 lastKnownGood:NodeConfigSource#3 error:s#4',
    NodeRuntimeHandler: 'name:=s#1 features:NodeRuntimeHandlerFeatures#2',
    NodeFeatures: 'supplementalGroupsPolicy:*b#1',
    NamespaceCondition: '!type:=s#1 !status:=s#2 lastTransitionTime:=time#4 reason:s#5 message:s#6',
    ServicePort: 'name:s#1 protocol:s#2 appProtocol:*s#6 !port:=i32#3 targetPort:=ios#4 nodePort:i32#5',
    SessionAffinityConfig: 'clientIP:ClientIPConfig#1',
    LoadBalancerStatus: 'ingress:[]LoadBalancerIngress/atomic#1',
    VolumeSource:
      'hostPath:HostPathVolumeSource#1 emptyDir:EmptyDirVolumeSource#2 gcePersistentDisk:GCEPersistentDiskVolumeSource#3 awsElasticBlockStore:AWSElasticBlockStoreVolumeSource#4 gitRepo:GitRepoVolumeSource#5 secret:SecretVolumeSource#6 nfs:NFSVolumeSource#7 iscsi:ISCSIVolumeSource#8 glusterfs:GlusterfsVolumeSource#9 persistentVolumeClaim:PersistentVolumeClaimVolumeSource#10 rbd:RBDVolumeSource#11 flexVolume:FlexVolumeSource#12 cinder:CinderVolumeSource#13 cephfs:CephFSVolumeSource#14 flocker:FlockerVolumeSource#15 downwardAPI:DownwardAPIVolumeSource#16 fc:FCVolumeSource#17 azureFile:AzureFileVolumeSource#18 configMap:ConfigMapVolumeSource#19 vsphereVolume:VsphereVirtualDiskVolumeSource#20 quobyte:QuobyteVolumeSource#21 azureDisk:AzureDiskVolumeSource#22 photonPersistentDisk:PhotonPersistentDiskVolumeSource#23 projected:ProjectedVolumeSource#26 portworxVolume:PortworxVolumeSource#24 scaleIO:ScaleIOVolumeSource#25 storageos:StorageOSVolumeSource#27 csi:CSIVolumeSource#28 ephemeral:EphemeralVolumeSource#29 image:ImageVolumeSource#30',
    ContainerPort: 'name:s#1 hostPort:i32#2 !containerPort:=i32#3 protocol:s#4 hostIP:s#5',
    EnvFromSource: 'prefix:s#1 configMapRef:ConfigMapEnvSource#2 secretRef:SecretEnvSource#3',
    EnvVar: '!name:=s#1 value:s#2 valueFrom:EnvVarSource#3',
    ContainerResizePolicy: '!resourceName:=s#1 !restartPolicy:=s#2',
    ContainerRestartRule: '!action:s#1 exitCodes:ContainerRestartRuleOnExitCodes#2',
    VolumeMount:
      '!name:=s#1 readOnly:b#2 recursiveReadOnly:*s#7 !mountPath:=s#3 subPath:s#4 mountPropagation:*s#5 subPathExpr:s#6 bindMountOptions:[]s/set#8',
    VolumeDevice: '!name:=s#1 !devicePath:=s#2',
    Probe:
      'initialDelaySeconds:i32#2 timeoutSeconds:i32#3 periodSeconds:i32#4 successThreshold:i32#5 failureThreshold:i32#6 terminationGracePeriodSeconds:*i64#7 @inline=ProbeHandler#1',
    Lifecycle: 'postStart:LifecycleHandler#1 preStop:LifecycleHandler#2 stopSignal:*s#3',
    SecurityContext:
      'capabilities:Capabilities#1 privileged:*b#2 seLinuxOptions:SELinuxOptions#3 windowsOptions:WindowsSecurityContextOptions#10 runAsUser:*i64#4 runAsGroup:*i64#8 runAsNonRoot:*b#5 readOnlyRootFilesystem:*b#6 allowPrivilegeEscalation:*b#7 procMount:*s#9 seccompProfile:SeccompProfile#11 appArmorProfile:AppArmorProfile#12',
    EphemeralContainerCommon:
      '!name:=s#1 image:s#2 command:[]s/atomic#3 args:[]s/atomic#4 workingDir:s#5 ports:[]ContainerPort/map:containerPort,protocol~merge:containerPort#6 envFrom:[]EnvFromSource/atomic#19 env:[]EnvVar/map:name~merge:name#7 resources:=ResourceRequirements#8 resizePolicy:[]ContainerResizePolicy/atomic#23 restartPolicy:*s#24 restartPolicyRules:[]ContainerRestartRule/atomic#25 volumeMounts:[]VolumeMount/map:mountPath~merge:mountPath#9 volumeDevices:[]VolumeDevice/map:devicePath~merge:devicePath#21 livenessProbe:Probe#10 readinessProbe:Probe#11 startupProbe:Probe#22 lifecycle:Lifecycle#12 terminationMessagePath:s#13 terminationMessagePolicy:s#20 imagePullPolicy:s#14 securityContext:SecurityContext#15 stdin:b#16 stdinOnce:b#17 tty:b#18',
    SELinuxOptions: 'user:s#1 role:s#2 type:s#3 level:s#4',
    WindowsSecurityContextOptions:
      'gmsaCredentialSpecName:*s#1 gmsaCredentialSpec:*s#2 runAsUserName:*s#3 hostProcess:*b#4',
    Sysctl: '!name:=s#1 !value:=s#2',
    SeccompProfile: '!type:=s#1 localhostProfile:*s#2',
    AppArmorProfile: '!type:=s#1 localhostProfile:*s#2',
    NodeAffinity:
      'requiredDuringSchedulingIgnoredDuringExecution:NodeSelector#1 preferredDuringSchedulingIgnoredDuringExecution:[]PreferredSchedulingTerm/atomic#2',
    PodAffinity:
      'requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm/atomic#1 preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm/atomic#2',
    PodAntiAffinity:
      'requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm/atomic#1 preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm/atomic#2',
    PodDNSConfigOption: 'name:s#1 value:*s#2',
    ResourceClaim: '!name:=s#1 request:s#2',
    ContainerState:
      'waiting:ContainerStateWaiting#1 running:ContainerStateRunning#2 terminated:ContainerStateTerminated#3',
    VolumeMountStatus: '!name:=s#1 !mountPath:=s#2 readOnly:b#3 recursiveReadOnly:*s#4 volumeStatus:VolumeStatus#5',
    ContainerUser: 'linux:LinuxContainerUser#1',
    ResourceStatus: '!name:=s#1 resources:[]ResourceHealth/map:resourceID#2',
    ContainerExtendedResourceRequest: '!containerName:=s#1 !resourceName:=s#2 !requestName:=s#3',
    NodeAllocatableMappedResources: '!name:=s#1 !quantity:^qty#2',
    NodeAllocatableOverheadResources: '!name:=s#1 perPod:qty#2 perContainer:qty#3',
    VolumeHealthCondition: '!status:=s#1 !reason:=s#2 message:s#3',
    ConfigMapNodeConfigSource: '!namespace:=s#1 !name:=s#2 uid:s#3 resourceVersion:s#4 !kubeletConfigKey:=s#5',
    DaemonEndpoint: '!Port:=i32#1',
    NodeSwapStatus: 'capacity:*i64#1',
    NodeRuntimeHandlerFeatures: 'recursiveReadOnlyMounts:*b#1 userNamespaces:*b#2',
    ClientIPConfig: 'timeoutSeconds:*i32#1',
    LoadBalancerIngress: 'ip:s#1 hostname:s#2 ipMode:*s#3 ports:[]PortStatus/atomic#4',
    HostPathVolumeSource: '!path:=s#1 type:*s#2',
    EmptyDirVolumeSource: 'medium:s#1 sizeLimit:qty#2 mode:*i32#3',
    GCEPersistentDiskVolumeSource: '!pdName:=s#1 fsType:s#2 partition:i32#3 readOnly:b#4',
    AWSElasticBlockStoreVolumeSource: '!volumeID:=s#1 fsType:s#2 partition:i32#3 readOnly:b#4',
    GitRepoVolumeSource: '!repository:=s#1 revision:s#2 directory:s#3',
    SecretVolumeSource: 'secretName:s#1 items:[]KeyToPath/atomic#2 defaultMode:*i32#3 optional:*b#4 defaultUser:*i64#5',
    NFSVolumeSource: '!server:=s#1 !path:=s#2 readOnly:b#3',
    ISCSIVolumeSource:
      '!targetPortal:=s#1 !iqn:=s#2 !lun:=i32#3 iscsiInterface:s#4 fsType:s#5 readOnly:b#6 portals:[]s/atomic#7 chapAuthDiscovery:b#8 chapAuthSession:b#11 secretRef:LocalObjectReference#10 initiatorName:*s#12',
    GlusterfsVolumeSource: '!endpoints:=s#1 !path:=s#2 readOnly:b#3',
    PersistentVolumeClaimVolumeSource: '!claimName:=s#1 readOnly:b#2',
    RBDVolumeSource:
      '!monitors:=[]s/atomic#1 !image:=s#2 fsType:s#3 pool:s#4 user:s#5 keyring:s#6 secretRef:LocalObjectReference#7 readOnly:b#8',
    FlexVolumeSource: '!driver:=s#1 fsType:s#2 secretRef:LocalObjectReference#3 readOnly:b#4 options:{}s#5',
    CinderVolumeSource: '!volumeID:=s#1 fsType:s#2 readOnly:b#3 secretRef:LocalObjectReference#4',
    CephFSVolumeSource:
      '!monitors:=[]s/atomic#1 path:s#2 user:s#3 secretFile:s#4 secretRef:LocalObjectReference#5 readOnly:b#6',
    FlockerVolumeSource: 'datasetName:s#1 datasetUUID:s#2',
    DownwardAPIVolumeSource: 'items:[]DownwardAPIVolumeFile/atomic#1 defaultMode:*i32#2 defaultUser:*i64#3',
    FCVolumeSource: 'targetWWNs:[]s/atomic#1 lun:*i32#2 fsType:s#3 readOnly:b#4 wwids:[]s/atomic#5',
    AzureFileVolumeSource: '!secretName:=s#1 !shareName:=s#2 readOnly:b#3',
    ConfigMapVolumeSource:
      'items:[]KeyToPath/atomic#2 defaultMode:*i32#3 optional:*b#4 defaultUser:*i64#5 @inline=LocalObjectReference#1',
    VsphereVirtualDiskVolumeSource: '!volumePath:=s#1 fsType:s#2 storagePolicyName:s#3 storagePolicyID:s#4',
    QuobyteVolumeSource: '!registry:=s#1 !volume:=s#2 readOnly:b#3 user:s#4 group:s#5 tenant:s#6',
    AzureDiskVolumeSource: '!diskName:=s#1 !diskURI:=s#2 cachingMode:*s#3 fsType:*s#4 readOnly:*b#5 kind:*s#6',
    PhotonPersistentDiskVolumeSource: '!pdID:=s#1 fsType:s#2',
    ProjectedVolumeSource: 'sources:=[]VolumeProjection/atomic#1 defaultMode:*i32#2 defaultUser:*i64#3',
    PortworxVolumeSource: '!volumeID:=s#1 fsType:s#2 readOnly:b#3',
    ScaleIOVolumeSource:
      '!gateway:=s#1 !system:=s#2 !secretRef:^LocalObjectReference#3 sslEnabled:b#4 protectionDomain:s#5 storagePool:s#6 storageMode:s#7 volumeName:s#8 fsType:s#9 readOnly:b#10',
    StorageOSVolumeSource:
      'volumeName:s#1 volumeNamespace:s#2 fsType:s#3 readOnly:b#4 secretRef:LocalObjectReference#5',
    CSIVolumeSource:
      '!driver:=s#1 readOnly:*b#2 fsType:*s#3 volumeAttributes:{}s#4 nodePublishSecretRef:LocalObjectReference#5',
    EphemeralVolumeSource: 'volumeClaimTemplate:PersistentVolumeClaimTemplate#1',
    ImageVolumeSource: 'reference:s#1 pullPolicy:s#2',
    ConfigMapEnvSource: 'optional:*b#2 @inline=LocalObjectReference#1',
    SecretEnvSource: 'optional:*b#2 @inline=LocalObjectReference#1',
    EnvVarSource:
      'fieldRef:ObjectFieldSelector#1 resourceFieldRef:ResourceFieldSelector#2 configMapKeyRef:ConfigMapKeySelector#3 secretKeyRef:SecretKeySelector#4 fileKeyRef:FileKeySelector#5',
    ContainerRestartRuleOnExitCodes: '!operator:s#1 values:[]i32/set#2',
    ProbeHandler: 'exec:ExecAction#1 httpGet:HTTPGetAction#2 tcpSocket:TCPSocketAction#3 grpc:GRPCAction#4',
    LifecycleHandler: 'exec:ExecAction#1 httpGet:HTTPGetAction#2 tcpSocket:TCPSocketAction#3 sleep:SleepAction#4',
    Capabilities: 'add:[]s/atomic#1 drop:[]s/atomic#2',
    NodeSelector: '!nodeSelectorTerms:=[]NodeSelectorTerm/atomic#1 @atomic',
    PreferredSchedulingTerm: '!weight:=i32#1 !preference:=NodeSelectorTerm#2',
    PodAffinityTerm:
      'labelSelector:meta.LabelSelector#1 namespaces:[]s/atomic#2 !topologyKey:=s#3 namespaceSelector:meta.LabelSelector#4 matchLabelKeys:[]s/atomic#5 mismatchLabelKeys:[]s/atomic#6',
    WeightedPodAffinityTerm: '!weight:=i32#1 !podAffinityTerm:=PodAffinityTerm#2',
    ContainerStateWaiting: 'reason:s#1 message:s#2',
    ContainerStateRunning: 'startedAt:=time#1',
    ContainerStateTerminated:
      '!exitCode:=i32#1 signal:i32#2 reason:s#3 message:s#4 startedAt:=time#5 finishedAt:=time#6 containerID:s#7',
    VolumeStatus: 'image:ImageVolumeStatus#1',
    LinuxContainerUser: '!uid:=i64#1 !gid:=i64#2 supplementalGroups:[]i64/atomic#3',
    ResourceHealth: '!resourceID:=s#1 health:s#2 message:*s#6',
    PortStatus: '!port:=i32#1 !protocol:=s#2 error:*s#3',
    KeyToPath: '!key:=s#1 !path:=s#2 mode:*i32#3 user:*i64#4',
    DownwardAPIVolumeFile:
      '!path:=s#1 fieldRef:ObjectFieldSelector#2 resourceFieldRef:ResourceFieldSelector#3 mode:*i32#4 user:*i64#5',
    VolumeProjection:
      'secret:SecretProjection#1 downwardAPI:DownwardAPIProjection#2 configMap:ConfigMapProjection#3 serviceAccountToken:ServiceAccountTokenProjection#4 clusterTrustBundle:ClusterTrustBundleProjection#5 podCertificate:PodCertificateProjection#6',
    PersistentVolumeClaimTemplate: 'metadata:=meta.ObjectMeta#1 !spec:=PersistentVolumeClaimSpec#2',
    ObjectFieldSelector: 'apiVersion:s#1 !fieldPath:=s#2 @atomic',
    ResourceFieldSelector: 'containerName:s#1 !resource:=s#2 divisor:=qty#3 @atomic',
    ConfigMapKeySelector: '!key:=s#2 optional:*b#3 @atomic @inline=LocalObjectReference#1',
    SecretKeySelector: '!key:=s#2 optional:*b#3 @atomic @inline=LocalObjectReference#1',
    FileKeySelector: '!volumeName:=s#1 !path:=s#2 !key:=s#3 optional:*b#4 @atomic',
    ExecAction: 'command:[]s/atomic#1',
    HTTPGetAction: 'path:s#1 !port:=ios#2 host:s#3 scheme:s#4 httpHeaders:[]HTTPHeader/atomic#5 protocol:*s#6',
    TCPSocketAction: '!port:=ios#1 host:s#2',
    GRPCAction: '!port:=i32#1 service:^s#2 mode:*s#3',
    SleepAction: '!seconds:=i64#1',
    NodeSelectorTerm:
      'matchExpressions:[]NodeSelectorRequirement/atomic#1 matchFields:[]NodeSelectorRequirement/atomic#2 @atomic',
    ImageVolumeStatus: '!imageRef:s#1',
    SecretProjection: 'items:[]KeyToPath/atomic#2 optional:*b#4 @inline=LocalObjectReference#1',
    DownwardAPIProjection: 'items:[]DownwardAPIVolumeFile/atomic#1',
    ConfigMapProjection: 'items:[]KeyToPath/atomic#2 optional:*b#4 @inline=LocalObjectReference#1',
    ServiceAccountTokenProjection: 'audience:s#1 expirationSeconds:*i64#2 !path:=s#3 user:*i64#4',
    ClusterTrustBundleProjection:
      'name:*s#1 signerName:*s#2 labelSelector:meta.LabelSelector#3 optional:*b#5 !path:=s#4 user:*i64#6',
    PodCertificateProjection:
      '!signerName:s#1 !keyType:s#2 maxExpirationSeconds:*i32#3 credentialBundlePath:s#4 keyPath:s#5 certificateChainPath:s#6 userAnnotations:{}s#7 user:*i64#8',
    PersistentVolumeClaimSpec:
      'accessModes:[]s/atomic#1 selector:meta.LabelSelector#4 resources:=VolumeResourceRequirements#2 volumeName:s#3 storageClassName:*s#5 volumeMode:*s#6 dataSource:TypedLocalObjectReference#7 dataSourceRef:TypedObjectReference#8 volumeAttributesClassName:*s#9',
    HTTPHeader: '!name:=s#1 !value:=s#2',
    NodeSelectorRequirement: '!key:=s#1 !operator:=s#2 values:[]s/atomic#3',
    VolumeResourceRequirements: 'limits:{}qty#1 requests:{}qty#2',
    TypedLocalObjectReference: 'apiGroup:^s#1 !kind:=s#2 !name:=s#3 @atomic',
    TypedObjectReference: 'apiGroup:^s#1 !kind:=s#2 !name:=s#3 namespace:*s#4',
  },
  {
    Pod: 'Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.',
    PodSpec: 'PodSpec is a description of a pod.',
    PodStatus:
      'PodStatus represents information about the status of a pod. Status may trail the actual state of a system.',
    Container: 'A single application container that you want to run within a pod.',
    Node: 'Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).',
    Namespace: 'Namespace provides a scope for Names. Use of multiple namespaces is optional.',
    Event: 'Event is a report of an event somewhere in the cluster.',
    ServiceAccount: 'ServiceAccount binds together a name, a principal that can be authenticated and a set of secrets.',
    Service:
      'Service is a named abstraction of software service (for example, mysql) consisting of local port that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
    ConfigMap: 'ConfigMap holds configuration data for pods to consume.',
    PodTemplateSpec: 'PodTemplateSpec describes the data a pod should have when created from a template.',
  },
);
