// Releases what a multi-step build created, in reverse order: a bootstrap registers each part as it
// builds it, and a failure in a later step (or a stop) releases exactly what exists, each release
// isolated from the others' failures.

export type Release = () => void | Promise<void>;

export class Disposer {
  private readonly releases: { readonly what: string; readonly release: Release }[] = [];

  /** Registers `part` under `what` and returns it, so a build reads `const x = d.add('x', make(), close)`. */
  add<T>(what: string, part: T, release: (part: T) => void | Promise<void>): T {
    this.releases.push({ what, release: () => release(part) });
    return part;
  }

  /** Releases everything registered so far, newest first; returns what failed to release. */
  async releaseAll(): Promise<{ readonly what: string; readonly error: unknown }[]> {
    const failures: { what: string; error: unknown }[] = [];
    for (let item = this.releases.pop(); item !== undefined; item = this.releases.pop()) {
      try {
        await item.release();
      } catch (error) {
        failures.push({ what: item.what, error });
      }
    }
    return failures;
  }

  get size(): number {
    return this.releases.length;
  }
}
