// The demo's own words, on stdout (gpg-gate's timeline goes to stderr), and the tally of the claims it checked.
export class Narrator {
  private held = 0;
  private failed: string[] = [];

  private line(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  intro(): void {
    this.line('gpg-gate demo: the tag2upload "HTTP 500" story');
    this.line('  Once tag2upload has signed an upload, its version number is spent: the signature is the point of no');
    this.line(
      '  return. An archive API that answers HTTP 500 before that point is harmless (retry); after it, a blind',
    );
    this.line(
      '  retry is wrong. gpg-gate makes the first signature of a job its commitment point, and tells the two apart.',
    );
    this.blank();
  }

  setup(text: string): void {
    this.line(`  setup: ${text}`);
  }

  act(title: string): void {
    this.blank();
    this.line(`── ${title}`);
  }

  command(text: string): void {
    this.line(`  $ ${text}`);
  }

  detail(text: string): void {
    this.line(`  ${text}`);
  }

  say(text: string): void {
    this.line(text);
  }

  blank(): void {
    this.line('');
  }

  check(claim: string, ok: boolean): void {
    this.line(`  ${ok ? '✓' : '✗'} ${claim}`);
    if (ok) this.held++;
    else this.failed.push(claim);
  }

  /** Prints the verdict; the demo's exit status. */
  finish(ms: number): number {
    this.blank();
    const time = `${(ms / 1000).toFixed(1)} s`;
    if (this.failed.length === 0 && this.held > 0) {
      this.line(`Result: all ${this.held} claims held — the demo behaved as intended (${time}).`);
      return 0;
    }
    this.line(`Result: ${this.failed.length} claim(s) did NOT hold (${time}):`);
    for (const f of this.failed) this.line(`  ✗ ${f}`);
    return 1;
  }
}
