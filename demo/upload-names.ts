// The package the demo uploads, and the texts it signs: shared by the upload script and the checks afterwards.
export const UPLOAD = {
  source: 'hello-gate',
  version: '1.0-1',
  orig: 'hello-gate_1.0.orig.tar.gz',
  changes: 'hello-gate_1.0-1_source.changes',

  /** A git tag object as dgit writes it before signing (tag.tmp). */
  tagObject(key: string): string {
    return [
      `object ${'5eed'.repeat(10)}`,
      'type commit',
      'tag debian/1.0-1',
      `tagger gpg-gate demo maintainer <demo@example.invalid> 1704067200 +0000`,
      '',
      'hello-gate release 1.0-1 for unstable (sid) [tag2upload]',
      '',
      `[dgit distro=debian split --quilt=gbp]`,
      `[dgit please-upload source=hello-gate version=1.0-1 upstream-tag=v1.0 signing-key=${key}]`,
      '',
    ].join('\n');
  },

  changesText(): string {
    return [
      'Format: 1.8',
      'Date: Mon, 01 Jan 2024 00:00:00 +0000',
      'Source: hello-gate',
      'Architecture: source',
      'Version: 1.0-1',
      'Distribution: unstable',
      'Maintainer: gpg-gate demo maintainer <demo@example.invalid>',
      'Changes:',
      ' hello-gate (1.0-1) unstable; urgency=medium',
      ' .',
      '   * Initial release.',
      'Files:',
      ' 0123456789abcdef0123456789abcdef 1024 misc optional hello-gate_1.0-1.dsc',
      ' 0123456789abcdef0123456789abcdef 4096 misc optional hello-gate_1.0.orig.tar.gz',
      '',
    ].join('\n');
  },
} as const;
