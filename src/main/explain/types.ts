// The shape of an explanation, as `explain … -o json` and `-o yaml` print it. It is a contract with
// scripts: fields are only ever added; a field's meaning never changes under the same `apiVersion`.
// Times are RFC 3339 strings in UTC; `inSeconds` fields are whole seconds from `generatedAt`
// (negative: overdue). Reason ids are the controller's (src/shared/reasons.ts):
// `rule:<name>:<uid>` or `slice:<driver>/<pool>/<slice>/<device>#<taint index>`.

export const EXPLAIN_API_VERSION = 'explain.device-taint-evictor.io/v1alpha1';

export interface TaintView {
  readonly key: string;
  readonly value: string;
  readonly effect: string;
  /** As the controller uses it; see `timeAddedAssumed`. */
  readonly timeAdded: string | null;
}

export interface TolerationView {
  readonly key: string;
  /** "Equal" when the object leaves it empty. */
  readonly operator: string;
  readonly value: string;
  /** "" = any effect (which eviction ignores, docs/behaviour.md §6.1). */
  readonly effect: string;
  /** null = forever. */
  readonly tolerationSeconds: number | null;
  /** kubectl's notation: `key=value:NoExecute op=Exists for 30s`. */
  readonly text: string;
}

/**
 * - `evicts`: NoExecute, no matching toleration: due at `timeAdded`;
 * - `delayed`: NoExecute, tolerated for a while: due at `timeAdded` + the smallest matching `tolerationSeconds`;
 * - `toleratedForever`: NoExecute, a matching toleration without `tolerationSeconds` (any such wins, §6.2);
 * - `notEvicting`: any other effect (None, NoSchedule, unknown) never evicts.
 */
export type TaintOutcome = 'evicts' | 'delayed' | 'toleratedForever' | 'notEvicting';

export interface DeviceTaintView {
  /** `slice`: the device's own taint in a current ResourceSlice; `rule`: a DeviceTaintRule selecting the device. */
  readonly source: 'slice' | 'rule';
  /** The slice's name (slice taints), else null. */
  readonly slice: string | null;
  /** The taint's index in the device's list (slice taints), else null. */
  readonly index: number | null;
  /** The rule's name (rule taints), else null. */
  readonly rule: string | null;
  readonly taint: TaintView;
  /** `key=value:Effect`. */
  readonly text: string;
  /**
   * The object has no `timeAdded` (malformed or very old): the controller counts from when it first saw
   * the taint (§6.3); `explain` cannot know that moment and uses the time of the explanation.
   */
  readonly timeAddedAssumed: boolean;
  readonly outcome: TaintOutcome;
  /** When this taint alone evicts (`evicts`, `delayed`), else null. */
  readonly evictAt: string | null;
  readonly inSeconds: number | null;
  /** The controller's reason id for this taint (`evicts`, `delayed`), else null. */
  readonly reason: string | null;
  /** The toleration that decides: the forever one, or the one with the smallest `tolerationSeconds`. */
  readonly toleratedBy: TolerationView | null;
  /** Every toleration of the allocation result that matches this taint for eviction. */
  readonly matchingTolerations: readonly TolerationView[];
  /** Tolerations that would match but for their empty effect: eviction ignores them (§6.1). */
  readonly ignoredTolerations: readonly TolerationView[];
}

export interface DeviceView {
  readonly request: string;
  readonly driver: string;
  readonly pool: string;
  readonly device: string;
  /** The current slice that publishes the device, or null (a rule still taints a vanished device). */
  readonly publishedBy: { readonly slice: string; readonly node: string } | null;
  /** The tolerations copied into the allocation result (the only ones eviction reads, §1.2). */
  readonly tolerations: readonly TolerationView[];
  /** Rule taints first (by rule name), then slice taints (by index): the controller's reason order. */
  readonly taints: readonly DeviceTaintView[];
}

/**
 * - `used`: allocated, owned where it must be, reserved for this pod: its taints count;
 * - `unresolved`: the entry names no claim yet (template without status entry, PodGroup claim without --workload-claims …);
 * - `notFound`: no such ResourceClaim; `notAllocated`: not allocated (no devices);
 * - `notOwned`: a generated claim not controlled by this pod (or its PodGroup);
 * - `notReserved`: `status.reservedFor` does not name this pod (a same-name replacement, §2.5 step 5).
 */
export type ClaimStatus = 'used' | 'unresolved' | 'notFound' | 'notAllocated' | 'notOwned' | 'notReserved';

export type ClaimSource =
  | 'resourceClaimName'
  | 'resourceClaimTemplateName'
  | 'podGroupResourceClaim'
  | 'extendedResource';

export interface EvictionView {
  readonly at: string;
  readonly inSeconds: number;
  readonly reasons: readonly string[];
}

export interface ClaimView {
  /** The pod's `spec.resourceClaims[].name`; `(extended resources)` for the extended-resource claim. */
  readonly entry: string;
  readonly source: ClaimSource;
  /** The claim's name, once resolved. */
  readonly claim: string | null;
  readonly status: ClaimStatus;
  /** Why, in one line. */
  readonly detail: string;
  /** The controller's eviction of this claim (used claims only), or null. */
  readonly eviction: EvictionView | null;
  /** The allocated devices (allocated claims only, used or not). */
  readonly devices: readonly DeviceView[];
}

export interface ForeverToleration {
  readonly claim: string;
  readonly device: string;
  readonly taint: string;
  readonly toleration: string;
}

export type PodVerdict =
  | {
      readonly kind: 'evict';
      readonly at: string;
      readonly inSeconds: number;
      /** Due already: the running controller evicts it at once (the brakes permitting). */
      readonly due: boolean;
      readonly reasons: readonly string[];
      /** The pod is being deleted already: no write, counted as evicted (§6.5). */
      readonly terminating: boolean;
    }
  | { readonly kind: 'toleratedForever'; readonly by: readonly ForeverToleration[] }
  | { readonly kind: 'notAffected'; readonly why: string };

/** "What the brakes would do": estimates from the flags and annotations `explain` was given. */
export interface BrakesView {
  readonly breaker: {
    /** From the ConfigMap; `unknown` when it could not be read. */
    readonly state: 'open' | 'closed' | 'unknown';
    readonly configMap: string;
    readonly openedAt: string | null;
    readonly reason: string;
    readonly error: string | null;
    /** Evictions allowed to start per window (from --breaker-max-evictions / --breaker-max-percent), null = none. */
    readonly limit: number | null;
    readonly windowSeconds: number;
    /** How the limit came about, e.g. `10% of 300 pods using ResourceClaims`. */
    readonly basis: string;
  };
  /** --max-evictions-per-second / --max-evictions-burst; null = unlimited. */
  readonly globalRate: { readonly perSecond: number; readonly burst: number } | null;
  /** Rules with a `device-taint-evictor.io/max-evictions-per-minute` annotation that this explanation involves. */
  readonly ruleRates: readonly { readonly rule: string; readonly perMinute: number }[];
  /** Pending evictions the estimate covers (the whole cluster: brakes are process-wide). */
  readonly pendingEvictions: number;
  /** One line each, for people. */
  readonly summary: readonly string[];
}

/** When the brakes would let an eviction start. */
export interface StartView {
  /** Earliest start; null while held by an open breaker. */
  readonly startAt: string | null;
  readonly inSeconds: number | null;
  readonly heldByBreaker: boolean;
  /** Which limits delayed it past its due time. */
  readonly delayedBy: readonly ('global' | 'rule')[];
  /** 1-based position among all pending evictions, by start. */
  readonly order: number;
}

export interface PodExplanation {
  readonly apiVersion: typeof EXPLAIN_API_VERSION;
  readonly kind: 'PodExplanation';
  readonly generatedAt: string;
  readonly server: string;
  readonly pod: {
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
    /** null: not scheduled (never evicted). */
    readonly nodeName: string | null;
    readonly podGroup: string | null;
    readonly deletionTimestamp: string | null;
  };
  readonly verdict: PodVerdict;
  /** The verdict in one line. */
  readonly summary: string;
  readonly claims: readonly ClaimView[];
  readonly brakes: BrakesView & { readonly start: StartView | null };
  readonly notes: readonly string[];
}

export interface RuleEvictionView {
  readonly name: string;
  readonly uid: string;
  readonly node: string;
  /** The pod's eviction time (the earliest of all its taints, this rule's or not). */
  readonly evictAt: string;
  readonly inSeconds: number;
  /** When this rule's taint alone evicts it (later than `evictAt` when another taint is earlier). */
  readonly ruleDueAt: string;
  /** The pod's other reasons. */
  readonly otherReasons: readonly string[];
  /** Being deleted already: counted as evicted, no write (§6.5); not in the status counts. */
  readonly terminating: boolean;
  readonly start: StartView | null;
}

export interface ProtectedPodView {
  readonly name: string;
  readonly uid: string;
  readonly claim: string;
  readonly device: string;
  readonly toleration: string;
}

export interface RuleExplanation {
  readonly apiVersion: typeof EXPLAIN_API_VERSION;
  readonly kind: 'RuleExplanation';
  readonly generatedAt: string;
  readonly server: string;
  readonly rule: {
    readonly name: string;
    readonly uid: string;
    readonly generation: number;
    readonly taint: TaintView;
    readonly text: string;
    readonly selector: { readonly driver?: string; readonly pool?: string; readonly device?: string } | null;
    readonly selectorText: string;
    /** `{}`: every device in the cluster (§6.6). */
    readonly selectsEverything: boolean;
    readonly maxEvictionsPerMinute: number | null;
    /** The `EvictionInProgress` condition it carries now, if any. */
    readonly status: { readonly reason: string; readonly message: string; readonly observedGeneration: number } | null;
  };
  readonly preview: {
    /** The effect the evictions below are computed for. */
    readonly effect: string;
    /** True when that is not the rule's own effect (`--effect NoExecute` on a rule that does not evict). */
    readonly simulated: boolean;
    /** How the simulated effect was computed, when simulated. */
    readonly method: string | null;
    /** The controller's dry run (what a `None` rule's status counts), for a rule that does not evict; else null. */
    readonly dryRun: { readonly pods: number; readonly namespaces: number } | null;
  };
  readonly devices: {
    /** Devices in current slices the selector selects. */
    readonly published: readonly {
      readonly driver: string;
      readonly pool: string;
      readonly device: string;
      readonly slice: string;
      readonly node: string;
    }[];
    /** Allocation results the selector selects (also of devices no slice publishes any more). */
    readonly allocated: readonly {
      readonly namespace: string;
      readonly claim: string;
      readonly request: string;
      readonly driver: string;
      readonly pool: string;
      readonly device: string;
    }[];
  };
  /** Pods whose pending eviction names this rule (not terminating ones: those are listed but not counted). */
  readonly evictions: {
    readonly pods: number;
    readonly namespaces: number;
    readonly byNamespace: readonly { readonly namespace: string; readonly pods: readonly RuleEvictionView[] }[];
  };
  /** Pods on selected devices that tolerate the rule's taint (as NoExecute) forever on every one of them. */
  readonly protected: {
    readonly pods: number;
    readonly byNamespace: readonly { readonly namespace: string; readonly pods: readonly ProtectedPodView[] }[];
  };
  readonly brakes: BrakesView;
  readonly summary: string;
  readonly notes: readonly string[];
}

export type Explanation = PodExplanation | RuleExplanation;
