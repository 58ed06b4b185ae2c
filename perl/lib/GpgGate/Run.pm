package GpgGate::Run;

# Runs a command under `gpg-gate run` for a Perl program that takes the commit decision itself: events arrive on a
# pipe (--events-fd), decisions go back on a socket pair (--decisions-fd), the outcome is read from job-ended and the
# exit status from waitpid. Core modules only. The POD below is the documentation.

use strict;
use warnings;

use Carp qw(croak);
use Errno qw(EINTR EAGAIN);
use Exporter qw(import);
use Fcntl qw(F_DUPFD F_GETFD F_SETFD FD_CLOEXEC);
use JSON::PP ();
use POSIX ();
use Socket qw(AF_UNIX SOCK_STREAM PF_UNSPEC MSG_NOSIGNAL);

our $VERSION   = '0.1.0';
our @EXPORT_OK = qw(run_gated);

my %DECISIONS = map { $_ => 1 } qw(commit transient refuse);

# Options of `gpg-gate run` that take a value, by the name they have here.
my @VALUE_OPTIONS = (
    [ journal        => '--journal' ],
    [ job            => '--job' ],
    [ retries        => '--retries' ],
    [ retry_delay    => '--retry-delay' ],
    [ commit_timeout => '--commit-timeout' ],
    [ socket         => '--socket' ],
);

sub run {
    my ($class, %options) = @_;
    return run_gated(%options);
}

sub run_gated {
    my (%o) = @_;
    my $command = $o{command};
    croak 'GpgGate::Run: command must be a non-empty array reference'
      unless ref $command eq 'ARRAY' && @$command;
    croak 'GpgGate::Run: on_commit must be a code reference' unless ref $o{on_commit} eq 'CODE';
    croak 'GpgGate::Run: on_event must be a code reference' if defined $o{on_event} && ref $o{on_event} ne 'CODE';
    croak 'GpgGate::Run: args must be an array reference' if defined $o{args} && ref $o{args} ne 'ARRAY';
    croak 'GpgGate::Run: env must be a hash reference'    if defined $o{env}  && ref $o{env} ne 'HASH';
    my %known = map { $_ => 1 } qw(command on_commit on_event args env gpg_gate quiet),
      map { $_->[0] } @VALUE_OPTIONS;
    for my $key (sort keys %o) {
        croak "GpgGate::Run: unknown option '$key'" unless $known{$key};
    }

    my @program = !defined $o{gpg_gate} ? ('gpg-gate')
      : ref $o{gpg_gate} eq 'ARRAY'     ? @{ $o{gpg_gate} }
      :                                   ($o{gpg_gate});
    croak 'GpgGate::Run: gpg_gate is empty' unless @program && length $program[0];

    pipe(my $events_r, my $events_w) or croak "GpgGate::Run: pipe: $!";
    socketpair(my $decisions, my $decisions_child, AF_UNIX, SOCK_STREAM, PF_UNSPEC)
      or croak "GpgGate::Run: socketpair: $!";
    pipe(my $exec_r, my $exec_w) or croak "GpgGate::Run: pipe: $!";
    # The child's descriptors must not be 0, 1 or 2 (the command inherits those), which they are only when the
    # caller closed one of its standard descriptors.
    $events_w        = _above_stdio($events_w,        '>');
    $decisions_child = _above_stdio($decisions_child, '+<');
    # Ours are closed on exec, whatever $^F says; the child's two are cleared in the child only.
    _cloexec($_, 1) for $events_r, $decisions, $exec_r, $exec_w, $events_w, $decisions_child;

    my @argv = (
        @program, 'run',
        '--events-fd'    => fileno($events_w),
        '--decisions-fd' => fileno($decisions_child),
        ($o{quiet} ? ('--quiet') : ()),
        (map { defined $o{ $_->[0] } ? ($_->[1] => $o{ $_->[0] }) : () } @VALUE_OPTIONS),
        @{ $o{args} // [] },
        '--', @$command,
    );

    my $pid = fork;
    croak "GpgGate::Run: fork: $!" unless defined $pid;
    if ($pid == 0) {
        # The child: fork and exec, and in between only descriptors and the environment. No signal disposition or
        # mask is touched, so gpg-gate starts with exactly the caller's (exec resets only caught signals).
        close $events_r;
        close $decisions;
        close $exec_r;
        _cloexec($events_w,        0);
        _cloexec($decisions_child, 0);
        if ($o{env}) {
            for my $name (keys %{ $o{env} }) {
                if (defined $o{env}{$name}) { $ENV{$name} = $o{env}{$name} }
                else                        { delete $ENV{$name} }
            }
        }
        { no warnings 'exec'; exec { $argv[0] } @argv; }
        my $error = "$!";
        syswrite $exec_w, $error;
        POSIX::_exit(127);
    }
    close $events_w;
    close $decisions_child;
    close $exec_w;

    # exec either succeeds (the close-on-exec pipe reads end of file) or the child reports why not.
    my $exec_error = '';
    while (1) {
        my $n = sysread $exec_r, my $chunk, 4096;
        if (!defined $n) { next if $! == EINTR; last }
        last if $n == 0;
        $exec_error .= $chunk;
    }
    close $exec_r;
    if (length $exec_error) {
        close $events_r;
        close $decisions;
        _reap($pid);
        croak "GpgGate::Run: cannot run $argv[0]: $exec_error";
    }

    my $json   = JSON::PP->new->canonical;
    my %result = (pid => $pid, events => [], decisions => [], outcome => undef, exit_code => undef, journal => undef);
    my $buffer = '';
    my $ended;
  READ: while (!$ended) {
        my $n = sysread $events_r, $buffer, 65536, length $buffer;
        if (!defined $n) {
            next READ if $! == EINTR || $! == EAGAIN;
            push @{ $result{errors} }, "reading events: $!";
            last READ;
        }
        last READ if $n == 0;
        while ($buffer =~ s/\A([^\n]*)\n//) {
            my $line = $1;
            next unless $line =~ /\S/;
            my $event = eval { $json->decode($line) };
            if (ref $event ne 'HASH') {
                push @{ $result{errors} }, 'not a JSON event: ' . substr($line, 0, 200);
                next;
            }
            push @{ $result{events} }, $event;
            my $name = $event->{event} // '';
            if ($name eq 'job-started' || $name eq 'job-resumed') {
                $result{journal} = $event->{options}{journal} if ref $event->{options} eq 'HASH';
                $result{job}     = $event->{job};
            }
            if ($o{on_event}) {
                eval { $o{on_event}->($event); 1 } or push @{ $result{errors} }, "on_event died: $@";
            }
            if ($name eq 'commit-wanted') {
                my $decision = _decide($o{on_commit}, $event, \%result);
                if (!$decision) {
                    # No clear answer: end of file on the decisions descriptor, which gpg-gate records as
                    # committed `unknown` (the callback may have committed before it failed).
                    shutdown $decisions, 1;
                    next;
                }
                push @{ $result{decisions} }, $decision;
                my $wire = $json->encode($decision) . "\n";
                while (length $wire) {
                    my $sent = send $decisions, $wire, MSG_NOSIGNAL;
                    if (!defined $sent) {
                        next if $! == EINTR;
                        push @{ $result{errors} }, "sending the decision: $!";
                        last;
                    }
                    substr($wire, 0, $sent, '');
                }
            }
            if ($name eq 'job-ended') {
                $result{outcome}   = $event->{outcome};
                $result{exit_code} = $event->{exitCode};
                $ended             = 1;
                last READ;
            }
        }
    }
    close $events_r;
    close $decisions;

    my $status = _reap($pid);
    $result{status}      = $status;
    $result{exit_status} = !defined $status ? undef
      : POSIX::WIFSIGNALED($status)         ? 128 + POSIX::WTERMSIG($status)
      :                                       POSIX::WEXITSTATUS($status);
    $result{signal} = defined $status && POSIX::WIFSIGNALED($status) ? POSIX::WTERMSIG($status) : undef;
    return \%result;
}

# Calls on_commit for a commit-wanted event: the decision line, or undef for no clear answer (the callback died or
# returned something else; it may have committed first, so it must not read as a refusal, which means "nothing
# committed").
sub _decide {
    my ($on_commit, $event, $result) = @_;
    my @answer;
    my $ok = eval { @answer = $on_commit->($event); 1 };
    my ($decision, $reason);
    if (!$ok) {
        push @{ $result->{errors} }, 'on_commit died: ' . ("$@" || 'died');
        return undef;
    }
    elsif (@answer == 1 && ref $answer[0] eq 'HASH') {
        ($decision, $reason) = @{ $answer[0] }{qw(decision reason)};
    }
    else {
        ($decision, $reason) = @answer;
    }
    if (!defined $decision || ref $decision || !$DECISIONS{$decision}) {
        my $got = defined $decision ? "'$decision'" : 'nothing';
        push @{ $result->{errors} }, "on_commit returned $got, not commit, transient or refuse";
        return undef;
    }
    my %line = (decision => $decision, attempt => $event->{attempt});
    $line{reason} = "$reason" if defined $reason;
    return \%line;
}

sub _cloexec {
    my ($fh, $on) = @_;
    my $flags = fcntl($fh, F_GETFD, 0) // croak "GpgGate::Run: fcntl: $!";
    fcntl($fh, F_SETFD, $on ? $flags | FD_CLOEXEC : $flags & ~FD_CLOEXEC) // croak "GpgGate::Run: fcntl: $!";
    return;
}

sub _above_stdio {
    my ($fh, $mode) = @_;
    return $fh if fileno($fh) > 2;
    my $fd = fcntl($fh, F_DUPFD, 3) // croak "GpgGate::Run: fcntl: $!";
    open(my $copy, "$mode&=", $fd) or croak "GpgGate::Run: fdopen: $!";
    close $fh;
    return $copy;
}

# waitpid, retried on EINTR by Perl itself; undef when the caller's SIGCHLD handling reaped the child already.
sub _reap {
    my ($pid) = @_;
    my $got = waitpid $pid, 0;
    return $got == $pid ? $? : undef;
}

1;

__END__

=head1 NAME

GpgGate::Run - run a command under gpg-gate and take its commit decision in Perl

=head1 SYNOPSIS

  use GpgGate::Run qw(run_gated);

  my $result = run_gated(
      command   => [qw(git tag -s v1.0 -m v1.0)],
      journal   => "/var/lib/releases/v1.0.jsonl",
      on_commit => sub {
          my ($event) = @_;    # commit-wanted: {attempt, id, request => {argv, sha256, ...}}
          return ('transient', 'archive unreachable') unless archive_is_up();
          record_release('v1.0', $event->{request}{sha256});
          return ('commit', 'recorded v1.0');
      },
  );
  if    ($result->{outcome} eq 'succeeded')            { ... }
  elsif ($result->{outcome} eq 'failed-before-commit') { ... }    # exit 75: safe to retry
  else                                                 { ... }    # a commitment may exist

=head1 DESCRIPTION

B<GpgGate::Run> starts C<gpg-gate run> (see L<gpg-gate(1)>) for a command and plays the embedding program of
F</usr/share/doc/gpg-gate/protocol.md>, section 10: it reads the supervisor's events from a pipe given as
C<--events-fd>, calls your B<on_commit> callback at the C<commit-wanted> event and sends its answer back on a
socket pair given as C<--decisions-fd>, reads until C<job-ended>, and then reaps the supervisor with a blocking
C<waitpid>. No C<SIGCHLD> handler, no polling, core modules only.

The command runs with the gpg shim first on its C<PATH> (L<gpg-gate-shim(1)>), its standard input, output and
error those of the calling process. The first signing call of the job waits for your decision; nothing is signed
before you answered C<commit>.

=head1 FUNCTIONS

=head2 run_gated(%options)

Exported on request; C<< GpgGate::Run->run(%options) >> is the same. Runs the job to its end and returns a hash
reference (L</RESULT>). It dies (croaks) only for invalid options and when C<gpg-gate> cannot be started at all.

Options:

=over 4

=item command => [PROGRAM, ARGS...]

Required. The command to supervise, run without a shell.

=item on_commit => sub { my ($event) = @_; ... }

Required. Called once per attempt that reaches the commitment point, with the C<commit-wanted> event: C<attempt>,
C<id> and C<request> (the signing request without its token: C<argv>, C<localUsers>, C<sha256>, C<inputs>, ...).
Return the decision, optionally with a reason: C<'commit'> (the commitment is made, signing proceeds),
C<'transient'> (nothing was committed; the attempt fails and may be retried, exit 75), or C<'refuse'> (nothing
was committed; no retry, exit 75, outcome C<commit-refused>); as a list C<('commit', 'reason')> or a hash
reference C<< { decision => 'commit', reason => '...' } >>. The reason is shown in gpg-gate's timeline and in the
shim's refusal message.

A callback that dies, or returns anything else, gives no clear answer: the module closes the decisions socket,
and gpg-gate records that something may have been committed (outcome C<unknown>, never exit 0 or 75; the journal
is not continued). The error is kept in C<errors>. So answer C<'refuse'> or C<'transient'> yourself when you know
nothing was committed, and let the callback die only when you do not know. It may take as long as
C<commit_timeout> allows.

=item on_event => sub { my ($event) = @_; ... }

Optional. Called for every event, C<commit-wanted> and C<job-ended> included, before they are acted upon.

=item journal, job, retries, retry_delay, commit_timeout, socket

Optional. Passed as C<--journal>, C<--job>, C<--retries>, C<--retry-delay>, C<--commit-timeout> and C<--socket>.

=item quiet => 1

Pass C<--quiet>: gpg-gate prints nothing but errors on standard error (by default it prints its timeline).

=item args => [OPTIONS...]

More options for C<gpg-gate run>, e.g. C<< [ '--sign-in-supervisor', '--backend', 'gnupg', '--gnupghome', $dir ] >>,
or C<< [ '--agent-gate', '--gnupghome', $key_home ] >> to hold every PKSIGN at the key holder's gpg-agent (then
C<< $event->{request}{type} >> is C<agent-pksign> when a PKSIGN reached the commitment point first, with C<keygrip>
and C<digest> instead of C<argv> and C<sha256>). Not C<--on-commit>, C<--auto-commit> or C<--decisions-fd>: this module is the commit step.

=item env => { NAME => VALUE, ... }

Optional. Set (or, with C<undef>, remove) these environment variables for gpg-gate and the command only.

=item gpg_gate => PATH or [PROGRAM, ARGS...]

The gpg-gate program. Default: C<gpg-gate>, looked up on C<PATH>.

=back

=head1 RESULT

=over 4

=item outcome

The C<outcome> of C<job-ended>: C<succeeded>, C<failed-before-commit>, C<commit-refused>,
C<failed-after-commit> or C<unknown>. C<undef> if gpg-gate ended without C<job-ended> (a usage error, a journal it refused, or
it was killed): C<exit_status> then says why, and C<gpg-gate status --journal FILE> tells what the journal holds.

=item exit_code

The C<exitCode> of C<job-ended>: 0 success, 75 failed and nothing committed (safe to retry), anything else failed
and a commitment exists or may exist.

=item status, exit_status, signal

The wait status of gpg-gate as C<$?> gives it, its exit status (128+n for death by signal n) and the signal
number, or C<undef> if the process could not be reaped here (the caller's C<SIGCHLD> is C<IGNORE>, or a handler of
the caller reaped it).

=item events, decisions

Every event read, as hash references in order, and every decision sent (C<decision>, C<reason>, C<attempt>); no
entry for a callback that gave no clear answer.

=item journal, job, pid

The journal file and job id from C<job-started> (or C<job-resumed>), and the process id of gpg-gate.

=item errors

Present only when something went wrong on this side: callbacks that died or answered nonsense, lines that were
not JSON, a decision that could not be sent.

=back

=head1 SIGNALS

The module sets no signal handler and changes no signal mask, neither in the calling process nor in the child.
The child is started with C<fork> and C<exec> and nothing between them but closing descriptors and setting
C<env>: gpg-gate starts with the caller's signal mask and the signals it ignores (exec resets only the signals
the caller catches), and gpg-gate's launcher reads that state before Node starts, so that the command inherits
it too. Decisions are written with C<send(2)> and C<MSG_NOSIGNAL>, so a supervisor that died cannot raise
C<SIGPIPE> in the caller. A signal that interrupts the wait is handled by Perl as usual and the wait goes on.

gpg-gate forwards C<SIGINT>, C<SIGTERM>, C<SIGHUP> and C<SIGQUIT> it receives to the command (unless the caller
blocked or ignored them): to stop a job, signal C<pid>.

=head1 FILES AND DESCRIPTORS

The events pipe and the decisions socket are the only descriptors the child gets besides those the caller left
without close-on-exec. Journals go where C<journal> says, or to F<$XDG_STATE_HOME/gpg-gate/JOB.jsonl>.

=head1 SEE ALSO

L<gpg-gate(1)>, L<gpg-gate-shim(1)>, F</usr/share/doc/gpg-gate/protocol.md> (events, decisions, journal records),
F</usr/share/doc/gpg-gate/examples/>.

=head1 LICENSE

Copyright 2026 the gpg-gate authors. MIT (Expat) licence, as the rest of gpg-gate.

=cut
