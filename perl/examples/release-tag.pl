#!/usr/bin/perl
# Signs a release tag under gpg-gate, the commit decision taken here: the release is recorded in a file (your
# database, an archive upload, ...) exactly once, at the first signature, and only then is the tag signed.
# usage: release-tag.pl REPOSITORY TAG RECORD-FILE
use strict;
use warnings;

use GpgGate::Run qw(run_gated);

my ($repo, $tag, $record) = @ARGV;
die "usage: $0 REPOSITORY TAG RECORD-FILE\n" unless defined $record;

my $result = run_gated(
    command   => [ 'git', '-C', $repo, 'tag', '-s', $tag, '-m', "release $tag" ],
    journal   => "$record.$tag.jsonl",
    retries   => 2,
    quiet     => 1,
    on_commit => sub {
        my ($event) = @_;
        # Nothing is committed yet: a failure here may be retried.
        open(my $fh, '>>', $record) or return ('transient', "cannot open $record: $!");
        print {$fh} "$tag $event->{request}{sha256}\n";
        # Perhaps half written: not a clear answer. Dying says so (gpg-gate records committed "unknown").
        close $fh or die "cannot write $record: $!\n";
        return ('commit', "recorded $tag in $record");
    },
);

my $outcome = $result->{outcome} // 'unknown';
print "$tag: $outcome (exit $result->{exit_status})\n";
print "nothing was committed: safe to run again\n"  if $outcome eq 'failed-before-commit';
print "$tag is recorded: do not reuse it blindly\n" if $outcome eq 'failed-after-commit';
exit($result->{exit_status} // 1);
