# GpgGate::Run's own side, with a stand-in for gpg-gate written in Perl: the argv it builds, the decision it sends,
# what it returns when gpg-gate ends without job-ended or cannot be run, and invalid options.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use GpgGateTest qw(temp_dir spurt slurp);
use GpgGate::Run qw(run_gated);

my $dir  = temp_dir();
my $fake = spurt("$dir/fake-gpg-gate", <<'PL', 0755);
#!/usr/bin/perl
# Records its argv, answers like gpg-gate: job-started, one commit-wanted, reads the decision, job-ended.
use strict;
use warnings;
use IO::Handle;
open(my $argv, '>', "$ENV{FAKE_OUT}.argv") or die $!;
print {$argv} "$_\n" for @ARGV;
close $argv;
my %fd = map { $ARGV[$_] => $ARGV[ $_ + 1 ] } grep { $ARGV[$_] =~ /^--(?:events|decisions)-fd$/ } 0 .. $#ARGV;
exit $ENV{FAKE_EXIT} if $ENV{FAKE_SILENT};
open(my $events, '>&=', $fd{'--events-fd'}) or die "events: $!";
open(my $decisions, '<&=', $fd{'--decisions-fd'}) or die "decisions: $!";
$events->autoflush(1);
print {$events} qq({"v":1,"event":"job-started","job":"fake","options":{"journal":"/tmp/fake.jsonl"}}\n);
print {$events} "not json\n";
print {$events} qq({"v":1,"event":"commit-wanted","job":"fake","attempt":3,"id":"r1","request":{"sha256":"00"}}\n);
my $answer = <$decisions>;
open(my $out, '>', "$ENV{FAKE_OUT}.answer") or die $!;
print {$out} $answer;
close $out;
print {$events} qq({"v":1,"event":"job-ended","job":"fake","outcome":"failed-after-commit","exitCode":5}\n);
exit($ENV{FAKE_EXIT} // 5);
PL

$ENV{FAKE_OUT} = "$dir/out";

subtest 'argv, decision, result' => sub {
    my $r = run_gated(
        gpg_gate       => $fake,
        command        => [ 'echo', 'two words' ],
        journal        => '/j.jsonl',
        job            => 'J',
        retries        => 2,
        retry_delay    => 0.5,
        commit_timeout => 30,
        socket         => '/s/S',
        quiet          => 1,
        args           => ['--sign-in-supervisor'],
        env            => { FAKE_EXIT => 5 },
        on_commit      => sub { return ('commit', "seen $_[0]{request}{sha256}") },
    );
    my @argv = split /\n/, slurp("$dir/out.argv");
    is($argv[0], 'run', 'the run subcommand');
    my %fd = @argv[ 1 .. 4 ];
    like($fd{'--events-fd'},    qr/^\d+$/, '--events-fd');
    like($fd{'--decisions-fd'}, qr/^\d+$/, '--decisions-fd');
    ok($fd{'--events-fd'} > 2 && $fd{'--decisions-fd'} > 2, 'neither is a standard descriptor');
    is_deeply(
        [ @argv[ 5 .. $#argv ] ],
        [
            '--quiet',        '--journal', '/j.jsonl', '--job', 'J', '--retries', 2, '--retry-delay', 0.5,
            '--commit-timeout', 30, '--socket', '/s/S', '--sign-in-supervisor', '--', 'echo', 'two words',
        ],
        'options, then -- COMMAND'
    );
    is_deeply(decode_json(slurp("$dir/out.answer")), { decision => 'commit', reason => 'seen 00', attempt => 3 },
        'the decision line, with the attempt of commit-wanted');
    is($r->{outcome},     'failed-after-commit', 'outcome');
    is($r->{exit_code},   5,                     'exit_code');
    is($r->{exit_status}, 5,                     'exit_status');
    is($r->{journal},     '/tmp/fake.jsonl',     'journal');
    is(scalar @{ $r->{events} }, 3, 'three events');
    like($r->{errors}[0], qr/^not a JSON event: not json/, 'the line that was not JSON is reported');
};

subtest 'gpg-gate ends without job-ended' => sub {
    my $called = 0;
    my $r = run_gated(gpg_gate => $fake, command => ['true'], env => { FAKE_SILENT => 1, FAKE_EXIT => 64 },
        on_commit => sub { $called++; 'commit' });
    is($r->{outcome},     undef, 'no outcome');
    is($r->{exit_status}, 64,    'the exit status tells');
    is($called,           0,     'no callback');
};

subtest 'gpg-gate cannot be run' => sub {
    my $r = eval { run_gated(gpg_gate => "$dir/missing", command => ['true'], on_commit => sub { 'commit' }) };
    like($@, qr{cannot run \Q$dir\E/missing: No such file or directory}, 'croaks with the reason');
};

subtest 'invalid options' => sub {
    for my $case (
        [ { on_commit => sub { 1 } },                                 qr/command must be/ ],
        [ { command   => ['true'] },                                  qr/on_commit must be/ ],
        [ { command   => ['true'], on_commit => sub { 1 }, auto => 1 }, qr/unknown option 'auto'/ ],
      )
    {
        eval { run_gated(%{ $case->[0] }) };
        like($@, $case->[1], "croaks: $case->[1]");
    }
};

done_testing;
