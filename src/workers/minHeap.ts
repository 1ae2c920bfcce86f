// Binary min-heap of timed nodes, ordered by due time and then by insertion sequence so that entries
// due at the same instant run in the order they were scheduled (FIFO among ties, like a Go timer heap
// fed in order). Each node records its own position, which makes `remove` and `fix` O(log n) without a
// side map: cancelling or rescheduling one pod among 100k must not cost a scan.

/** What the heap needs from a node. `heapIndex` is owned by the heap: -1 while the node is not in it. */
export interface TimedNode {
  dueAt: number;
  seq: number;
  heapIndex: number;
}

export const NOT_IN_HEAP = -1;

const before = (a: TimedNode, b: TimedNode): boolean => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);

export class MinHeap<T extends TimedNode> {
  private readonly nodes: T[] = [];

  get size(): number {
    return this.nodes.length;
  }

  /** The node due first, without removing it. */
  peek(): T | undefined {
    return this.nodes[0];
  }

  has(node: T): boolean {
    return node.heapIndex >= 0 && this.nodes[node.heapIndex] === node;
  }

  push(node: T): void {
    if (node.heapIndex !== NOT_IN_HEAP) throw new Error('MinHeap.push: node is already in a heap');
    node.heapIndex = this.nodes.length;
    this.nodes.push(node);
    this.up(node.heapIndex);
  }

  pop(): T | undefined {
    const top = this.nodes[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top;
  }

  /** Removes `node` if it is in this heap; returns whether it was. */
  remove(node: T): boolean {
    if (!this.has(node)) return false;
    this.removeAt(node.heapIndex);
    return true;
  }

  /** Restores the order after the caller changed `node.dueAt` or `node.seq` in place. */
  fix(node: T): void {
    if (!this.has(node)) throw new Error('MinHeap.fix: node is not in this heap');
    if (!this.up(node.heapIndex)) this.down(node.heapIndex);
  }

  /** Removes every node (their `heapIndex` is reset). */
  clear(): void {
    for (const node of this.nodes) node.heapIndex = NOT_IN_HEAP;
    this.nodes.length = 0;
  }

  private removeAt(index: number): void {
    const removed = this.nodes[index]!;
    const last = this.nodes.pop()!;
    removed.heapIndex = NOT_IN_HEAP;
    if (index === this.nodes.length) return;
    this.nodes[index] = last;
    last.heapIndex = index;
    if (!this.up(index)) this.down(index);
  }

  /** Sifts up; returns whether the node moved. */
  private up(start: number): boolean {
    const nodes = this.nodes;
    const node = nodes[start]!;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = nodes[parentIndex]!;
      if (!before(node, parent)) break;
      nodes[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    nodes[index] = node;
    node.heapIndex = index;
    return index !== start;
  }

  private down(start: number): void {
    const nodes = this.nodes;
    const length = nodes.length;
    const node = nodes[start]!;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(nodes[right]!, nodes[left]!)) child = right;
      const childNode = nodes[child]!;
      if (!before(childNode, node)) break;
      nodes[index] = childNode;
      childNode.heapIndex = index;
      index = child;
    }
    nodes[index] = node;
    node.heapIndex = index;
  }
}
