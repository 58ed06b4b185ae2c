# GpgGate::Run against the real gpg-gate, the real gpg and git: a throwaway key made here, signatures made inside
# the job, the commit decision taken by the Perl callback.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use GpgGateTest qw(cli temp_dir gnupg_home git_repo spurt capture check_installed);
use GpgGate::Run qw(run_gated);

for my $tool (qw(gpg git)) {
    plan skip_all => "$tool is not installed" unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
}

check_installed();
my $key  = gnupg_home();
my $repo = git_repo($key->{fpr});
my $work = temp_dir();
$ENV{HOME}           = $work;
$ENV{XDG_STATE_HOME} = "$work/state";

my $n = 0;
sub journal { return "$work/job-" . ++$n . '.jsonl' }

sub tag {
    my ($name) = @_;
    return [ qw(git -C), $repo, qw(tag -s), $name, '-m', $name ];
}

sub tag_exists {
    my ($name) = @_;
    my ($status) = capture(qw(git -C), $repo, qw(rev-parse -q --verify), "refs/tags/$name");
    return $status == 0;
}

sub status_of {
    my ($journal) = @_;
    my ($exit, $json) = capture(cli(), 'status', '--journal', $journal);
    is($exit, 0, 'gpg-gate status reads the journal');
    return decode_json($json);
}

subtest 'commit: git tag -s signs once the callback said commit' => sub {
    my @wanted;
    my $journal = journal();
    my $r = run_gated(
        gpg_gate  => cli(),
        command   => tag('v1'),
        journal   => $journal,
        quiet     => 1,
        on_commit => sub { push @wanted, $_[0]; return ('commit', 'recorded v1') },
    );
    is($r->{outcome},     'succeeded', 'outcome from job-ended');
    is($r->{exit_code},   0,           'exitCode from job-ended');
    is($r->{exit_status}, 0,           'exit status from waitpid');
    is($r->{journal},     $journal,    'the journal named in job-started');
    is(scalar @wanted,    1,           'on_commit called once');
    my $request = $wanted[0]{request};
    ok(grep({ /^-bsau$/ } @{ $request->{argv} }), "git's signing call reached the callback: @{$request->{argv}}");
    like($request->{sha256}, qr/^[0-9a-f]{64}$/, 'with the digest of the bytes to sign');
    ok(!exists $request->{token}, 'and without the token');
    is_deeply($r->{decisions}, [ { decision => 'commit', reason => 'recorded v1', attempt => 1 } ], 'the decision');
    my @names = map { $_->{event} } @{ $r->{events} };
    is_deeply(
        [ grep { /^(?:commit-wanted|committed|signed|job-ended)$/ } @names ],
        [qw(commit-wanted committed signed job-ended)],
        'events in order'
    );
    ok(!$r->{errors}, 'no errors') or diag explain $r->{errors};
    my ($verify) = capture(qw(git -C), $repo, qw(verify-tag v1));
    is($verify, 0, 'the tag verifies');
    my $status = status_of($journal);
    is($status->{outcome},   'succeeded', 'status: succeeded');
    is($status->{committed}, 'yes',       'status: committed yes');
};

subtest 'transient, then commit on the retry' => sub {
    my @attempts;
    my $r = run_gated(
        gpg_gate    => cli(),
        command     => tag('v2'),
        journal     => journal(),
        retries     => 1,
        retry_delay => 0,
        quiet       => 1,
        on_commit   => sub {
            my ($event) = @_;
            push @attempts, $event->{attempt};
            return $event->{attempt} == 1 ? ('transient', 'archive answered 500') : 'commit';
        },
    );
    is_deeply(\@attempts, [ 1, 2 ], 'asked once per attempt');
    is($r->{outcome},     'succeeded', 'succeeded on attempt 2');
    is($r->{exit_status}, 0,           'exit 0');
    ok(tag_exists('v2'), 'the tag exists');
};

subtest 'transient without retries: exit 75, nothing committed, no tag' => sub {
    my $journal = journal();
    my $r = run_gated(
        gpg_gate  => cli(),
        command   => tag('v3'),
        journal   => $journal,
        quiet     => 1,
        on_commit => sub { return { decision => 'transient', reason => 'not now' } },
    );
    is($r->{outcome},     'failed-before-commit', 'failed before commit');
    is($r->{exit_code},   75,                     'exitCode 75');
    is($r->{exit_status}, 75,                     'exit status 75');
    ok(!tag_exists('v3'), 'no tag');
    is(status_of($journal)->{outcome}, 'failed-before-commit', 'status agrees');
};

subtest 'refuse: commit-refused, nothing committed, exit 75' => sub {
    my $r = run_gated(
        gpg_gate  => cli(),
        command   => tag('v4'),
        journal   => journal(),
        quiet     => 1,
        on_commit => sub { return ('refuse', 'version already used') },
    );
    is($r->{outcome},     'commit-refused', 'commit-refused');
    is($r->{exit_status}, 75,               'exit 75: nothing was committed');
    is($r->{exit_status}, $r->{exit_code}, 'waitpid agrees with job-ended');
    ok(!tag_exists('v4'), 'no tag');
};

subtest 'a callback that dies, or answers nonsense, gives no clear answer' => sub {
    for my $case ([ die => sub { die "database down\n" } ], [ nonsense => sub { return 'yes' } ]) {
        my ($what, $callback) = @$case;
        my $r = run_gated(gpg_gate => cli(), command => tag("v5-$what"), journal => journal(), quiet => 1,
            on_commit => $callback);
        is($r->{outcome}, 'unknown', "$what: outcome unknown (it may have committed)");
        ok($r->{exit_status} != 0 && $r->{exit_status} != 75, "$what: exit $r->{exit_status}, neither 0 nor 75");
        is_deeply($r->{decisions}, [], "$what: no decision was sent");
        like($r->{errors}[0], $what eq 'die' ? qr/on_commit died: database down/ : qr/on_commit returned 'yes'/,
            "$what: the error is kept");
        is(status_of($r->{journal})->{committed}, 'unknown', "$what: status says committed unknown");
        ok(!tag_exists("v5-$what"), "$what: no tag");
    }
};

subtest 'gpg --detach-sign directly, every event seen by on_event' => sub {
    my $file = spurt("$work/tag.tmp", "object 0123456789abcdef\ntype commit\ntag debian/1.0-1\n");
    my @seen;
    my $r = run_gated(
        gpg_gate  => cli(),
        command   => [ qw(gpg --batch --detach-sign --armor -u), $key->{fpr}, $file ],
        journal   => journal(),
        job       => 'perl-detach',
        quiet     => 1,
        on_event  => sub { push @seen, $_[0]{event} },
        on_commit => sub { 'commit' },
    );
    is($r->{outcome}, 'succeeded',   'succeeded');
    is($r->{job},     'perl-detach', 'the job id');
    is_deeply(\@seen, [ map { $_->{event} } @{ $r->{events} } ], 'on_event saw every event');
    is($seen[-1], 'job-ended', 'job-ended last');
    my ($verify) = capture(qw(gpg --batch --quiet --verify), "$file.asc", $file);
    is($verify, 0, 'the signature verifies');
};

subtest 'agent gate: /usr/bin/gpg without the shim, the PKSIGN decided by the callback' => sub {
    my @wanted;
    my $out     = "$work/agent.sig";
    my $journal = journal();
    my $r = run_gated(
        gpg_gate  => cli(),
        command   => [ '/usr/bin/gpg', '--batch', '-u', $key->{fpr}, '-o', $out, '--detach-sign', "$repo/.git/HEAD" ],
        journal   => $journal,
        quiet     => 1,
        args      => [ '--agent-gate', '--no-shim', '--gnupghome', $key->{dir} ],
        on_commit => sub { push @wanted, $_[0]; return ('commit', 'recorded') },
    );
    is($r->{outcome}, 'succeeded', 'outcome succeeded');
    is(scalar @wanted, 1, 'on_commit called once');
    my $request = $wanted[0]{request};
    is($request->{type}, 'agent-pksign', 'the PKSIGN reached the callback');
    like($request->{keygrip}, qr/^[0-9A-F]{40}$/, 'with the keygrip');
    like($request->{digest}, qr/^[0-9a-f]{64}$/, 'and the digest');
    my ($verify) = capture(qw(gpg --batch --verify), $out, "$repo/.git/HEAD");
    is($verify, 0, 'the signature verifies');
    is(status_of($journal)->{signatures}[0]{source}, 'agent', 'status: source agent');
};

done_testing;
