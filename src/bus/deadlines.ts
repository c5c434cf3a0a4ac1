const resolutionMs = 5;

/**
 * Timers for many short deadlines at once: deadlines are grouped into 5 ms slots with one Node timer per
 * slot, so arming and cancelling one is a Set operation instead of a timer. Fires up to 5 ms late.
 */
export class Deadlines {
  private readonly slots = new Map<number, Set<() => void>>();

  /** Calls `fire` after `ms`; returns a function that cancels it. */
  after(ms: number, fire: () => void): () => void {
    const slot = Math.ceil((Date.now() + ms) / resolutionMs) * resolutionMs;
    let due = this.slots.get(slot);
    if (!due) {
      const fresh = new Set<() => void>();
      due = fresh;
      this.slots.set(slot, fresh);
      setTimeout(() => {
        this.slots.delete(slot);
        for (const callback of fresh) callback();
      }, Math.max(0, slot - Date.now())).unref();
    }
    const set = due;
    set.add(fire);
    return () => set.delete(fire);
  }
}

/** The deadlines of this process. */
export const deadlines = new Deadlines();
