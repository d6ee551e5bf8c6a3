#!/usr/bin/perl
# Interop helper for dkim_interop_test: Mail::DKIM (libmail-dkim-perl) signs and verifies, keys
# looked up with Net::DNS from the test's DNS server on 127.0.0.1:PORT. Test-only.
#   dkim_interop.pl verify MESSAGE PORT            -> one line per signature: its Mail::DKIM result
#   dkim_interop.pl sign MESSAGE SELECTOR DOMAIN KEYFILE METHOD  -> the DKIM-Signature header line
# Debian 12's Mail::DKIM (1.20230212) has no ed25519, so this is rsa only.
use strict;
use warnings;
use Mail::DKIM::DNS;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my ($cmd, $file, @args) = @ARGV;
open(my $fh, '<', $file) or die "open $file: $!";
binmode $fh;
my $msg = do { local $/; <$fh> };
close $fh;
$msg =~ s/\r?\n/\r\n/g;

if ($cmd eq 'verify') {
    my ($port) = @args;
    my $res = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port, udp_timeout => 5,
                                      tcp_timeout => 5, retry => 1);
    Mail::DKIM::DNS::resolver($res);
    my $v = Mail::DKIM::Verifier->new();
    $v->PRINT($msg);
    $v->CLOSE();
    foreach my $sig ($v->signatures) {
        print $sig->result, "\n";
    }
} elsif ($cmd eq 'sign') {
    my ($selector, $domain, $keyfile, $method) = @args;
    my $s = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256', Method => $method, Domain => $domain,
                                    Selector => $selector, KeyFile => $keyfile,
                                    Headers => 'from:to:subject:date:message-id');
    $s->PRINT($msg);
    $s->CLOSE();
    print $s->signature->as_string, "\r\n";
} else {
    die "usage";
}
