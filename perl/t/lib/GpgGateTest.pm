package GpgGateTest;

# Helpers for the tests of GpgGate::Run: which gpg-gate to run, a throwaway GnuPG home with a fresh key, a git
# repository that signs with it. Core modules only.

use strict;
use warnings;

use Cwd qw(realpath);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use Test::More;

our @EXPORT_OK = qw(cli temp_dir gnupg_home git_repo slurp spurt capture check_installed);

my $checkout_cli = File::Spec->catfile(dirname(dirname(dirname(dirname(realpath(__FILE__))))), 'dist', 'gpg-gate.js');

# GPG_GATE_TEST_CLI, else the checkout's dist/gpg-gate.js when the tests run from a checkout that was built, else
# the installed /usr/bin/gpg-gate.
sub cli {
    return $ENV{GPG_GATE_TEST_CLI} if $ENV{GPG_GATE_TEST_CLI};
    return $checkout_cli if -x $checkout_cli;
    return '/usr/bin/gpg-gate';
}

# With GPG_GATE_TEST_INSTALLED=1 the tests must run the installed package only: the module from /usr/share/perl5,
# gpg-gate from /usr/bin.
sub check_installed {
    return unless $ENV{GPG_GATE_TEST_INSTALLED};
    is($INC{'GpgGate/Run.pm'}, '/usr/share/perl5/GpgGate/Run.pm', 'GpgGate::Run is the installed module');
    is(realpath(cli()), '/usr/lib/gpg-gate/gpg-gate.js', 'gpg-gate is the installed one');
}

sub temp_dir { return tempdir('gpg-gate-t-XXXXXX', TMPDIR => 1, CLEANUP => 1) }

sub slurp {
    my ($file) = @_;
    open(my $fh, '<', $file) or die "$file: $!";
    local $/;
    return scalar <$fh>;
}

sub spurt {
    my ($file, $text, $mode) = @_;
    open(my $fh, '>', $file) or die "$file: $!";
    print {$fh} $text;
    close $fh or die "$file: $!";
    chmod $mode, $file if defined $mode;
    return $file;
}

# Runs a command without a shell; returns (exit status, stdout). stderr goes to the test's stderr.
sub capture {
    my (@command) = @_;
    my $pid = open(my $out, '-|') // die "fork: $!";
    if ($pid == 0) {
        exec { $command[0] } @command or do { print STDERR "exec $command[0]: $!\n"; require POSIX; POSIX::_exit(127) };
    }
    local $/;
    my $text = <$out> // '';
    close $out;
    return ($? >> 8, $text);
}

# A GnuPG home with one throwaway ed25519 signing key and no passphrase. Sets GNUPGHOME for the whole test, and
# stops its gpg-agent at the end.
my @homes;

sub gnupg_home {
    my $dir = temp_dir();
    chmod 0700, $dir;
    $ENV{GNUPGHOME} = $dir;
    my ($status) = capture(qw(gpg --batch --quiet --passphrase), '', '--quick-gen-key', 'Test <t@example.org>',
        qw(ed25519 sign never));
    die "gpg --quick-gen-key failed ($status)" if $status;
    my (undef, $colons) = capture(qw(gpg --batch --with-colons --list-secret-keys));
    my ($fpr) = $colons =~ /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m or die "no fingerprint in:\n$colons";
    push @homes, $dir;
    return { dir => $dir, fpr => $fpr };
}

END {
    for my $dir (@homes) {
        local $ENV{GNUPGHOME} = $dir;
        system 'gpgconf', '--kill', 'all';
    }
}

# A git repository with one (unsigned) commit, whose tags and commits are signed by `gpg` with key FPR.
sub git_repo {
    my ($fpr) = @_;
    my $dir = temp_dir();
    $ENV{GIT_CONFIG_NOSYSTEM} = 1;
    $ENV{GIT_CONFIG_GLOBAL}   = '/dev/null';
    for my $command (
        [qw(git init -q), $dir],
        [ qw(git -C), $dir, qw(config user.name Test) ],
        [ qw(git -C), $dir, qw(config user.email t@example.org) ],
        [ qw(git -C), $dir, qw(config user.signingkey), $fpr ],
        [ qw(git -C), $dir, qw(config gpg.program gpg) ],
        [ qw(git -C), $dir, qw(commit -q --allow-empty -m initial) ],
      )
    {
        my ($status) = capture(@$command);
        die "@$command: exit $status" if $status;
    }
    return $dir;
}

# The job must not find an enclosing gate's variables (the suite itself may run under gpg-gate).
delete @ENV{ grep { /^GPG_GATE_/ && !/^GPG_GATE_TEST_(?:CLI|INSTALLED)$/ } keys %ENV };

1;
