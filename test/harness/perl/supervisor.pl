#!/usr/bin/perl
# The supervisor side of docs/protocol.md in core Perl: listens, starts COMMAND with GPG_GATE_SOCKET/TOKEN, answers
# every sign-request with DECISION (proceed | abort), acknowledges sign-results, and exits with COMMAND's status.
# usage: supervisor.pl DECISION COMMAND...   Prints each request and result (token removed) as a JSON line.
use strict;
use warnings;
use Digest::SHA qw(sha256);
use File::Temp qw(tempdir);
use IO::Handle;
use IO::Select;
use IO::Socket::UNIX;
use JSON::PP;
use POSIX qw(WNOHANG);

my ($answer, @command) = @ARGV;
my $json = JSON::PP->new->canonical;
STDOUT->autoflush(1);

my $dir = tempdir('perl-gate-XXXXXX', TMPDIR => 1, CLEANUP => 1);    # mode 0700
my $path = "$dir/S";
my $server = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $path, Listen => 8) or die "listen: $!";
open(my $random, '<:raw', '/dev/urandom') or die $!;
read($random, my $bytes, 32) == 32 or die 'short read';
my $token = unpack('H*', $bytes);                                        # 256 bits

my $pid = fork() // die "fork: $!";
if ($pid == 0) {
    $ENV{GPG_GATE_SOCKET} = $path;
    $ENV{GPG_GATE_TOKEN}  = $token;
    $ENV{GPG_GATE_JOB}    = 'perl';
    exec @command or die "exec: $!";
}

sub send_frame {
    my ($client, %message) = @_;
    print {$client} $json->encode({ v => 1, %message }), "\n";
}

sub read_frame {    # one JSON line, at most 1 MiB, within 10 s; undef on anything else
    my ($client) = @_;
    return undef unless IO::Select->new($client)->can_read(10);
    my $line = <$client>;
    return undef unless defined $line && length($line) <= 1024 * 1024 && $line =~ /\n\z/;
    return eval { $json->decode($line) };
}

sub serve {
    my ($client) = @_;
    $client->autoflush(1);
    my $request = read_frame($client);
    if (!$request || ref $request ne 'HASH' || ($request->{v} // 0) != 1 || ($request->{type} // '') ne 'sign-request') {
        return send_frame($client, type => 'error', code => 'bad-message', message => 'expected a v1 sign-request');
    }
    # Compare digests, not the strings: equal lengths, and no early exit that depends on the secret.
    if (sha256($request->{token} // '') ne sha256($token)) {
        return send_frame($client, type => 'error', code => 'bad-token', message => 'the token is wrong');
    }
    delete $request->{token};
    print $json->encode({ request => $request }), "\n";
    my $id = $request->{id};
    send_frame($client, type => 'decision', id => $id, decision => $answer, reason => "perl says $answer", job => 'perl', attempt => 1);
    return if $answer ne 'proceed';
    my $result = read_frame($client);
    if (!$result || ($result->{type} // '') ne 'sign-result' || ($result->{id} // '') ne $id) {
        return send_frame($client, type => 'error', code => 'unexpected-message', message => 'expected the sign-result', id => $id);
    }
    print $json->encode({ result => $result }), "\n";
    send_frame($client, type => 'ack', id => $id);
}

# Serve until the command has exited; polling waitpid needs no SIGCHLD handler.
my $select = IO::Select->new($server);
while (waitpid($pid, WNOHANG) == 0) {
    next unless $select->can_read(0.05);
    my $client = $server->accept or next;
    serve($client);
    close $client;
}
my $status = $? >> 8;
unlink $path;
exit $status;
