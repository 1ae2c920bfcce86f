// Which worker owns a pod. Every message for one pod must reach the same worker, in order, and a
// restarted process must agree with the one before it, so the hash is a fixed, specified function
// (FNV-1a, 32 bit, over the UTF-8 bytes of `namespace/name`) rather than anything engine-provided.
// The UID is deliberately not part of the key: a same-name replacement pod lands on the same worker,
// which keeps "cancel old incarnation, schedule new one" ordered.

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit over the UTF-8 encoding of `text`, as an unsigned integer. */
export function fnv1a32(text: string, seed: number = FNV_OFFSET_BASIS): number {
  let hash = seed >>> 0;
  // Encode UTF-8 on the fly: no TextEncoder allocation per call on the routing hot path.
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      const low = code <= 0xdbff && i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      } else {
        // Lone surrogate: TextEncoder writes U+FFFD, so do we.
        code = 0xfffd;
      }
    }
    if (code < 0x80) {
      hash = Math.imul(hash ^ code, FNV_PRIME);
    } else if (code < 0x800) {
      hash = Math.imul(hash ^ (0xc0 | (code >> 6)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | (code & 0x3f)), FNV_PRIME);
    } else if (code < 0x10000) {
      hash = Math.imul(hash ^ (0xe0 | (code >> 12)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | ((code >> 6) & 0x3f)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | (code & 0x3f)), FNV_PRIME);
    } else {
      hash = Math.imul(hash ^ (0xf0 | (code >> 18)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | ((code >> 12) & 0x3f)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | ((code >> 6) & 0x3f)), FNV_PRIME);
      hash = Math.imul(hash ^ (0x80 | (code & 0x3f)), FNV_PRIME);
    }
  }
  return hash >>> 0;
}

// FNV-1a is a streaming hash, so the state after `namespace/` can seed the name. A cluster has few
// namespaces and a storm hashes the same ones 100k times; caching that prefix saves about a third of it.
// Bounded by clearing, because namespaces come from the API server and are not ours to count.
const MAX_CACHED_NAMESPACES = 4_096;
const namespacePrefixHashes = new Map<string, number>();

function namespacePrefixHash(namespace: string): number {
  let hash = namespacePrefixHashes.get(namespace);
  if (hash === undefined) {
    hash = fnv1a32('/', fnv1a32(namespace));
    if (namespacePrefixHashes.size >= MAX_CACHED_NAMESPACES) namespacePrefixHashes.clear();
    namespacePrefixHashes.set(namespace, hash);
  }
  return hash;
}

/** Hash of the pod's `namespace/name` (the separator is hashed too, so `a/bc` ≠ `ab/c`). */
export function podShardHash(namespace: string, name: string): number {
  return fnv1a32(name, namespacePrefixHash(namespace));
}

/** Index of the shard (worker) that owns the pod, in `[0, shardCount)`. */
export function shardOf(pod: { readonly namespace: string; readonly name: string }, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1)
    throw new RangeError(`shardCount must be ≥ 1, got ${shardCount}`);
  return podShardHash(pod.namespace, pod.name) % shardCount;
}
