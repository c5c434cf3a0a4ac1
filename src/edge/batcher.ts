/**
 * Group commit: items added while a flush is pending or in flight join the next group, so one commit covers
 * many messages. A group is flushed when it reaches `maxItems`, after `lingerMs` otherwise, and at most
 * `maxInFlight` flushes run at once. Each `add` resolves with its own result, or rejects with the group's error.
 */
export class Batcher<I, R> {
  private group: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly flush: (items: I[]) => Promise<R[]>,
    private readonly options: { maxItems: number; lingerMs: number; maxInFlight: number },
  ) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.group.push({ item, resolve, reject });
      if (this.group.length >= this.options.maxItems) this.trigger();
      else this.timer ??= setTimeout(() => this.trigger(), this.options.lingerMs);
    });
  }

  /** Resolves once nothing is queued or in flight. */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.group.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private trigger(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.group.length === 0 || this.inFlight >= this.options.maxInFlight) return;
    const group = this.group.splice(0, this.options.maxItems);
    this.inFlight++;
    this.flush(group.map((entry) => entry.item))
      .then(
        (results) => group.forEach((entry, i) => entry.resolve(results[i])),
        (err: unknown) => group.forEach((entry) => entry.reject(err)),
      )
      .finally(() => {
        this.inFlight--;
        if (this.group.length) this.trigger();
        else if (this.inFlight === 0) for (const resolve of this.idle) resolve();
        if (this.inFlight === 0 && this.group.length === 0) this.idle.clear();
      });
  }
}
