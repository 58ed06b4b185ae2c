// One attempt of a job: its number, whether its command has exited, its signing requests in flight, and why signing
// is refused for the rest of it. Over when the command exited and no request is in flight.

export class Attempt {
  childExited = false;
  over = false;
  inflight = 0;
  /** Why signing is refused for the rest of this attempt (a commit step that did not commit). */
  aborted: string | null = null;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(readonly n: number) {}

  abortReason(): string | null {
    return this.aborted;
  }

  settle(): void {
    if (this.childExited && this.inflight === 0 && !this.over) {
      this.over = true;
      this.resolveDone();
    }
  }
}
