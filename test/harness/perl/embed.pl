#!/usr/bin/perl
# Embeds `gpg-gate run` with core modules only: events arrive on ONE pipe, the commit decision goes back on another,
# and the final outcome is read from the job-ended event. No SIGCHLD handler, no self-pipe trick.
# usage: embed.pl ANSWER NODE CLI JOURNAL -- COMMAND...   (ANSWER: commit | transient | refuse)
# Prints one JSON line: {"events":[...], "outcome":..., "exitCode":..., "status":...}
use strict;
use warnings;
use IO::Handle;
use JSON::PP;

my ($answer, $node, $cli, $journal, $dashdash, @command) = @ARGV;
die "usage: embed.pl ANSWER NODE CLI JOURNAL -- COMMAND...\n" unless defined $dashdash && $dashdash eq '--' && @command;

$^F = 255;    # descriptors opened from here on survive exec (no close-on-exec)
pipe(my $events_r, my $events_w)       or die "pipe: $!";
pipe(my $decisions_r, my $decisions_w) or die "pipe: $!";

my $pid = fork() // die "fork: $!";
if ($pid == 0) {
    close $events_r;
    close $decisions_w;
    exec $node, $cli, 'run', '--quiet', '--journal', $journal,
      '--events-fd', fileno($events_w), '--decisions-fd', fileno($decisions_r), '--', @command
      or die "exec: $!";
}
close $events_w;
close $decisions_r;
$decisions_w->autoflush(1);

my $json = JSON::PP->new->canonical;
my (@seen, $ended);
while (my $line = <$events_r>) {
    my $event = $json->decode($line);
    die "the token leaked into an event\n" if $line =~ /"token"/;
    push @seen, $event->{event};
    if ($event->{event} eq 'commit-wanted') {
        # The request is in the event: a real embedder would commit (upload, tag, ...) here.
        my $reason = "perl saw $event->{request}{sha256}";
        print {$decisions_w} $json->encode({ decision => $answer, reason => $reason, attempt => $event->{attempt} }), "\n";
    }
    if ($event->{event} eq 'job-ended') {
        $ended = $event;
        last;
    }
}
close $events_r;
waitpid($pid, 0);    # reaps the supervisor; the outcome is already known from job-ended
print $json->encode({ events => \@seen, outcome => $ended->{outcome}, exitCode => $ended->{exitCode}, status => $? >> 8 }), "\n";
