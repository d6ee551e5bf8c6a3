// SPF scenario suite: check_host() cases modelled on the public RFC 7208 test-suite scenarios
// (pyspf/OpenSPF rfc7208-tests), written from the RFC for this project. Each case gets its own
// zone in the in-process TestDnsServer and runs through the real LdnsResolver and SpfEvaluator.
// The expected results are the RFC's; where the RFC allows two, both are listed.
#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/spf/evaluator.h"
#include "common/spf/macro.h"
#include "common/spf/record.h"
#include "tests/harness/dns_server.h"

namespace postern {
namespace {

struct Rr {
  const char* name;
  const char* type;
  const char* rdata;
};

struct Case {
  const char* name;
  std::vector<Rr> zone;
  const char* ip;
  const char* sender;
  const char* helo;
  std::vector<SpfResult> expected;  // any of these
  const char* explanation = nullptr;
};

constexpr SpfResult kNone = SpfResult::none, kNeutral = SpfResult::neutral, kPass = SpfResult::pass,
                    kFail = SpfResult::fail, kSoftfail = SpfResult::softfail, kTemp = SpfResult::temperror,
                    kPerm = SpfResult::permerror;

// Records shared by many cases.
Rr spf(const char* name, const char* text) { return {name, "TXT", text}; }

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // Record selection (RFC 7208 4.5).
      {"nospace-is-not-spf",
       {spf("e.example.com", "\"v=spf1mx -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kNone}},
      {"nospace-other-record-counts",
       {spf("e.example.com", "\"v=spf1mx\""), spf("e.example.com", "\"v=spf1 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"empty-record",
       {spf("e.example.com", "\"v=spf1 \"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kNeutral}},
      {"multitxt-concatenated",
       {spf("e.example.com", "\"v=spf1 \" \"ip4:1.2.3.4 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"multitxt-no-space-added",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4\" \"-all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"case-insensitive-version",
       {spf("e.example.com", "\"V=sPf1 +All\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"spf2-ignored",
       {spf("e.example.com", "\"spf2.0/mfrom -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kNone}},
      {"two-spf1-records",
       {spf("e.example.com", "\"v=spf1 -all\""), spf("e.example.com", "\"v=spf1 ?all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"spf-rr-type-ignored",
       {{"e.example.com", "SPF", "\"v=spf1 +all\""}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kNone}},
      {"trailing-space",
       {spf("e.example.com", "\"v=spf1 -all \"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      // Initial processing (4.3).
      {"empty-label-in-domain", {}, "1.2.3.4", "x@a..example.com", "h.example", {kNone}},
      {"too-long-label",
       {},
       "1.2.3.4",
       "x@A123456789012345678901234567890123456789012345678901234567890123.example.com",
       "h.example",
       {kNone}},
      {"single-label-domain", {}, "1.2.3.4", "x@localhost", "h.example", {kNone}},
      {"nxdomain", {}, "1.2.3.4", "x@nx.example.com", "h.example", {kNone}},
      // all and qualifiers.
      {"all-neg",
       {spf("e.example.com", "\"v=spf1 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"all-soft",
       {spf("e.example.com", "\"v=spf1 ~all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kSoftfail}},
      {"all-neutral",
       {spf("e.example.com", "\"v=spf1 ?all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kNeutral}},
      {"all-arg",
       {spf("e.example.com", "\"v=spf1 all:foobar\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"all-cidr",
       {spf("e.example.com", "\"v=spf1 all/8\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"all-dot",
       {spf("e.example.com", "\"v=spf1 -all.\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"all-double-qualifier",
       {spf("e.example.com", "\"v=spf1 +-all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"unknown-mechanism",
       {spf("e.example.com", "\"v=spf1 frob -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"syntax-error-after-match",
       {spf("e.example.com", "\"v=spf1 +all ip4:300.1.1.1\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      // ip4 / ip6 and CIDR.
      {"cidr4-0",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4/0 -all\"")},
       "9.9.9.9",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"cidr4-32",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4/32 -all\"")},
       "1.2.3.5",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"cidr4-33",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4/33 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"cidr4-leading-zero",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4/032 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"ip4-dual-cidr",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4//32 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"ip4-empty",
       {spf("e.example.com", "\"v=spf1 ip4 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"cidr6-0-does-not-match-ip4",
       {spf("e.example.com", "\"v=spf1 ip6:::1/0 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"cidr6-0-matches-ip6",
       {spf("e.example.com", "\"v=spf1 ip6:::1/0 -all\"")},
       "2001:db8::7",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"cidr6-129",
       {spf("e.example.com", "\"v=spf1 ip6:::1/129 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"cidr6-bad",
       {spf("e.example.com", "\"v=spf1 ip6:::1/33/100 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"ip4-mapped-client-matches-ip4",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.0/24 -all\"")},
       "::ffff:1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"ip6-mapped-network-does-not-match-ip4",
       {spf("e.example.com", "\"v=spf1 ip6:::FFFF:1.1.1.0/120 -all\"")},
       "1.1.1.1",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"ip6-with-ip4-text",
       {spf("e.example.com", "\"v=spf1 ip6:1.2.3.4 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      // a.
      {"a-implicit-domain",
       {spf("e.example.com", "\"v=spf1 a -all\""), {"e.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-cidr4-0",
       {spf("e.example.com", "\"v=spf1 a/0 -all\""), {"e.example.com", "A", "1.2.3.4"}},
       "9.8.7.6",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-cidr4-0-needs-a-record",
       {spf("e.example.com", "\"v=spf1 a:none.example.com/0 -all\"")},
       "9.8.7.6",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"a-cidr6-for-ip6",
       {spf("e.example.com", "\"v=spf1 a//33 -all\""), {"e.example.com", "AAAA", "2001:db8:8000::1"}},
       "2001:db8:ffff::1",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-cidr6-not-for-ip4",
       {spf("e.example.com", "\"v=spf1 a//0 -all\""), {"e.example.com", "A", "1.2.3.5"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"a-aaaa-does-not-match-ip4",
       {spf("e.example.com", "\"v=spf1 a -all\""), {"e.example.com", "AAAA", "::ffff:1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"a-empty-domain",
       {spf("e.example.com", "\"v=spf1 a: -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"a-only-toplabel",
       {spf("e.example.com", "\"v=spf1 a:museum\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"a-only-toplabel-trailing-dot",
       {spf("e.example.com", "\"v=spf1 a:museum.\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"a-numeric-toplabel",
       {spf("e.example.com", "\"v=spf1 a:111.222.33.44\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"a-dash-in-toplabel",
       {spf("e.example.com", "\"v=spf1 a:e.example.x-y -all\""), {"e.example.x-y", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-bad-cidr4",
       {spf("e.example.com", "\"v=spf1 a/33 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"a-trailing-dot-domain",
       {spf("e.example.com", "\"v=spf1 a:h.example.com. -all\""), {"h.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      // RFC 7208 7.1: a domain-spec may hold any visible character but a "%" outside a macro, and
      // macros may expand to a space (%_), "%20" (%-) or "%" (%%); such names are queried as they
      // are. Only a trailing "/N" or "//N" is a CIDR length. (The test server prints names as ldns
      // does: a space is "\032".)
      {"a-slash-in-domain-spec",
       {spf("e.example.com", "\"v=spf1 a:foo/bar.example.com -all\""),
        {"foo/bar.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-slash-in-domain-spec-then-cidr",
       {spf("e.example.com", "\"v=spf1 a:foo/bar.example.com/24 -all\""),
        {"foo/bar.example.com", "A", "1.2.3.99"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-slash-digits-label-is-not-a-cidr",
       {spf("e.example.com", "\"v=spf1 a:foo/24.example.com -all\""), {"foo/24.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-colon-in-domain-spec",
       {spf("e.example.com", "\"v=spf1 a:foo:bar.example.com -all\""),
        {"foo:bar.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"mx-slash-in-domain-spec",
       {spf("e.example.com", "\"v=spf1 mx:m/x.example.com -all\""),
        {"m/x.example.com", "MX", "10 mail.example.com."},
        {"mail.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"a-macro-space",
       {spf("e.example.com", "\"v=spf1 a:%{l}%_x.example.com -all\""),
        {"ab\\032x.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "ab@e.example.com",
       "h.example",
       {kPass}},
      {"mx-macro-url-space",
       {spf("e.example.com", "\"v=spf1 mx:%{l}%-x.example.com -all\""),
        {"ab%20x.example.com", "MX", "10 mail.example.com."},
        {"mail.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "ab@e.example.com",
       "h.example",
       {kPass}},
      {"a-macro-percent",
       {spf("e.example.com", "\"v=spf1 a:%{l}%%x.example.com -all\""), {"ab%x.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "ab@e.example.com",
       "h.example",
       {kPass}},
      {"a-bare-percent-is-permerror",
       {spf("e.example.com", "\"v=spf1 a:a%b.example.com -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"a-cidr-without-domain-needs-digits",
       {spf("e.example.com", "\"v=spf1 a/ -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"a-nxdomain-then-all",
       {spf("e.example.com", "\"v=spf1 a:nx.example.com ~all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kSoftfail}},
      // mx.
      {"mx-no-implicit-a",
       {spf("e.example.com", "\"v=spf1 mx -all\""), {"e.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"mx-null-target",
       {spf("e.example.com", "\"v=spf1 mx -all\""), {"e.example.com", "MX", "0 ."}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"mx-empty-domain",
       {spf("e.example.com", "\"v=spf1 mx: -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"mx-cidr4",
       {spf("e.example.com", "\"v=spf1 mx:m.example.com/24 -all\""),
        {"m.example.com", "MX", "10 h.example.com."},
        {"h.example.com", "A", "1.2.3.200"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"mx-ten-names-is-fine",
       {spf("e.example.com", "\"v=spf1 mx -all\""),
        {"e.example.com", "MX", "1 m1.example.com."},
        {"e.example.com", "MX", "2 m2.example.com."},
        {"e.example.com", "MX", "3 m3.example.com."},
        {"e.example.com", "MX", "4 m4.example.com."},
        {"e.example.com", "MX", "5 m5.example.com."},
        {"e.example.com", "MX", "6 m6.example.com."},
        {"e.example.com", "MX", "7 m7.example.com."},
        {"e.example.com", "MX", "8 m8.example.com."},
        {"e.example.com", "MX", "9 m9.example.com."},
        {"e.example.com", "MX", "10 m10.example.com."},
        {"m10.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      // ptr.
      {"ptr-cidr",
       {spf("e.example.com", "\"v=spf1 ptr/0 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"ptr-empty-domain",
       {spf("e.example.com", "\"v=spf1 ptr: -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"ptr-subdomain-matches",
       {spf("e.example.com", "\"v=spf1 ptr:example.com -all\""),
        {"4.3.2.1.in-addr.arpa", "PTR", "mx.example.com."},
        {"mx.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"ptr-suffix-must-be-label",
       {spf("e.example.com", "\"v=spf1 ptr:ample.com -all\""),
        {"4.3.2.1.in-addr.arpa", "PTR", "mx.example.com."},
        {"mx.example.com", "A", "1.2.3.4"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"ptr-no-reverse-zone",
       {spf("e.example.com", "\"v=spf1 ptr -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"ptr-ip6",
       {spf("e.example.com", "\"v=spf1 ptr -all\""),
        {"1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR",
         "h6.e.example.com."},
        {"h6.e.example.com", "AAAA", "2001:db8::cb01"}},
       "2001:db8::cb01",
       "x@e.example.com",
       "h.example",
       {kPass}},
      // exists.
      {"exists-cidr",
       {spf("e.example.com", "\"v=spf1 exists:m.example.com/24 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"exists-empty-domain",
       {spf("e.example.com", "\"v=spf1 exists: -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"exists-implicit",
       {spf("e.example.com", "\"v=spf1 exists -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"exists-uses-a-for-ip6",
       {spf("e.example.com", "\"v=spf1 exists:%{d} -all\""), {"e.example.com", "A", "127.0.0.2"}},
       "2001:db8::1",
       "x@e.example.com",
       "h.example",
       {kPass}},
      // include.
      {"include-cidr",
       {spf("e.example.com", "\"v=spf1 include:i.example.com/24 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"include-empty-domain",
       {spf("e.example.com", "\"v=spf1 include: -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"include-softfail-no-match",
       {spf("e.example.com", "\"v=spf1 include:i.example.com ?all\""),
        spf("i.example.com", "\"v=spf1 ~all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kNeutral}},
      {"include-neutral-no-match",
       {spf("e.example.com", "\"v=spf1 include:i.example.com -all\""),
        spf("i.example.com", "\"v=spf1 ?all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"include-pass-qualified",
       {spf("e.example.com", "\"v=spf1 ~include:i.example.com -all\""),
        spf("i.example.com", "\"v=spf1 +all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kSoftfail}},
      {"include-syntax-error",
       {spf("e.example.com", "\"v=spf1 include:i.example.com +all\""),
        spf("i.example.com", "\"v=spf1 frob\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"include-nxdomain",
       {spf("e.example.com", "\"v=spf1 include:nx.example.com +all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"include-mutual-loop",
       {spf("e.example.com", "\"v=spf1 include:i.example.com -all\""),
        spf("i.example.com", "\"v=spf1 include:e.example.com -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      // redirect.
      {"redirect-only-without-match",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4 redirect=r.example.com\""),
        spf("r.example.com", "\"v=spf1 -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      {"redirect-after-all-ignored",
       {spf("e.example.com", "\"v=spf1 -all redirect=r.example.com\""),
        spf("r.example.com", "\"v=spf1 +all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"redirect-twice",
       {spf("e.example.com", "\"v=spf1 redirect=r.example.com redirect=r.example.com\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"redirect-empty",
       {spf("e.example.com", "\"v=spf1 redirect=\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"redirect-loop",
       {spf("e.example.com", "\"v=spf1 redirect=r.example.com\""),
        spf("r.example.com", "\"v=spf1 redirect=e.example.com\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"redirect-uses-target-domain-for-macros",
       {spf("e.example.com", "\"v=spf1 redirect=r.example.com\""),
        spf("r.example.com", "\"v=spf1 exists:%{d}.z.example -all\""),
        {"r.example.com.z.example", "A", "127.0.0.2"}},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPass}},
      // Modifiers.
      {"unknown-modifier-ignored",
       {spf("e.example.com", "\"v=spf1 moo.cow-far_out=man:dog/cat -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kFail}},
      {"default-modifier-ignored",
       {spf("e.example.com", "\"v=spf1 default=deny\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kNeutral}},
      {"modifier-bad-name",
       {spf("e.example.com", "\"v=spf1 -all moo.cow/far_out=man:dog/cat\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"modifier-bad-macro",
       {spf("e.example.com", "\"v=spf1 -all foo=%x\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      {"non-ascii-mechanism",
       {spf("e.example.com", "\"v=spf1 a:\\194\\161.example.com -all\"")},
       "1.2.3.4",
       "x@e.example.com",
       "h.example",
       {kPerm}},
      // exp (6.2).
      {"exp-on-fail",
       {spf("e.example.com", "\"v=spf1 -all exp=x.example.com\""),
        spf("x.example.com", "\"%{l} at %{i} refused\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       "joe at 1.2.3.4 refused"},
      {"exp-only-on-fail",
       {spf("e.example.com", "\"v=spf1 ~all exp=x.example.com\""), spf("x.example.com", "\"not used\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kSoftfail},
       ""},
      {"exp-multiple-txt",
       {spf("e.example.com", "\"v=spf1 -all exp=x.example.com\""), spf("x.example.com", "\"one\""),
        spf("x.example.com", "\"two\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       ""},
      {"exp-syntax-error-ignored",
       {spf("e.example.com", "\"v=spf1 -all exp=x.example.com\""),
        spf("x.example.com", "\"bad %{x} macro\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       ""},
      {"exp-empty",
       {spf("e.example.com", "\"v=spf1 exp= -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"exp-twice",
       {spf("e.example.com", "\"v=spf1 exp=x.example.com exp=x.example.com -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"exp-of-include-not-used",
       {spf("e.example.com", "\"v=spf1 include:i.example.com -all\""),
        spf("i.example.com", "\"v=spf1 -all exp=x.example.com\""), spf("x.example.com", "\"from include\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       ""},
      {"redirect-cancels-original-exp",
       {spf("e.example.com", "\"v=spf1 exp=x.example.com redirect=r.example.com\""),
        spf("r.example.com", "\"v=spf1 -all\""), spf("x.example.com", "\"original\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       ""},
      {"redirect-target-exp-used",
       {spf("e.example.com", "\"v=spf1 exp=x.example.com redirect=r.example.com\""),
        spf("r.example.com", "\"v=spf1 -all exp=y.example.com\""), spf("x.example.com", "\"original\""),
        spf("y.example.com", "\"target %{d}\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       "target r.example.com"},
      {"exp-c-r-t-macros",
       {spf("e.example.com", "\"v=spf1 -all exp=x.example.com\""), spf("x.example.com", "\"%{c} via %{r}\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       "1.2.3.4 via unknown"},
      // Macros in mechanisms.
      {"macro-upper-url-escaped",
       {spf("e.example.com", "\"v=spf1 exists:%{L}.x.example.com -all\""),
        {"j%20o.x.example.com", "A", "127.0.0.2"}},
       "1.2.3.4",
       "j o@e.example.com",
       "h.example",
       {kPass}},
      {"macro-helo",
       {spf("e.example.com", "\"v=spf1 exists:%{h}.x.example.com -all\""),
        {"mail.h.example.x.example.com", "A", "127.0.0.2"}},
       "1.2.3.4",
       "joe@e.example.com",
       "mail.h.example",
       {kPass}},
      {"macro-v-ip6",
       {spf("e.example.com", "\"v=spf1 exists:%{v}.x.example.com -all\""),
        {"ip6.x.example.com", "A", "127.0.0.2"}},
       "2001:db8::1",
       "joe@e.example.com",
       "h.example",
       {kPass}},
      {"macro-o-is-sender-domain",
       {spf("e.example.com", "\"v=spf1 include:i.example.com -all\""),
        spf("i.example.com", "\"v=spf1 exists:%{o}.%{d}.x.example -all\""),
        {"e.example.com.i.example.com.x.example", "A", "127.0.0.2"}},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPass}},
      {"macro-c-not-in-mechanism",
       {spf("e.example.com", "\"v=spf1 exists:%{c}.x.example.com -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"macro-bad-letter",
       {spf("e.example.com", "\"v=spf1 a:%{q}.example.com -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"macro-lone-percent",
       {spf("e.example.com", "\"v=spf1 a:a%.example.com -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"macro-p-unknown",
       {spf("e.example.com", "\"v=spf1 exists:%{p}.x.example.com -all\""),
        {"unknown.x.example.com", "A", "127.0.0.2"}},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPass}},
      {"invalid-helo-in-macro",
       {spf("e.example.com", "\"v=spf1 a:%{H}.bar.example -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "JUMPIN' JUPITER",
       {kFail}},
      {"helo-domain-literal-in-macro",
       {spf("e.example.com", "\"v=spf1 exists:%{h}.example.com -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "[1.2.3.4]",
       {kFail}},
      {"macro-label-too-long-no-match",
       {spf("e.example.com", "\"v=spf1 exists:%{l}.x.example.com -all\"")},
       "1.2.3.4",
       "A123456789012345678901234567890123456789012345678901234567890123@e.example.com",
       "h.example",
       {kFail}},
      {"macro-p-prefers-subdomain-of-domain",
       {spf("e.example.com", "\"v=spf1 exists:%{p}.x.example.com -all\""),
        {"4.3.2.1.in-addr.arpa", "PTR", "a.other.example."},
        {"4.3.2.1.in-addr.arpa", "PTR", "mail.e.example.com."},
        {"a.other.example", "A", "1.2.3.4"},
        {"mail.e.example.com", "A", "1.2.3.4"},
        {"mail.e.example.com.x.example.com", "A", "127.0.0.2"}},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPass}},
      {"macro-p-counts-as-lookup",
       {spf("e.example.com",
            "\"v=spf1 a:a1.example.com a:a2.example.com a:a3.example.com a:a4.example.com a:a5.example.com "
            "a:a6.example.com a:a7.example.com a:a8.example.com a:a9.example.com exists:%{p}.x.example.com "
            "-all\""),
        {"a1.example.com", "A", "9.9.9.9"},
        {"a2.example.com", "A", "9.9.9.9"},
        {"a3.example.com", "A", "9.9.9.9"},
        {"a4.example.com", "A", "9.9.9.9"},
        {"a5.example.com", "A", "9.9.9.9"},
        {"a6.example.com", "A", "9.9.9.9"},
        {"a7.example.com", "A", "9.9.9.9"},
        {"a8.example.com", "A", "9.9.9.9"},
        {"a9.example.com", "A", "9.9.9.9"},
        {"unknown.x.example.com", "A", "127.0.0.2"}},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      // Void lookups and the lookup limit (4.6.4).
      {"void-at-limit",
       {spf("e.example.com", "\"v=spf1 exists:n1.example.com exists:n2.example.com +all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPass}},
      {"void-over-limit",
       {spf("e.example.com", "\"v=spf1 exists:n1.example.com mx:n2.example.com a:n3.example.com +all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"void-counts-in-includes",
       {spf("e.example.com", "\"v=spf1 a:n1.example.com include:i.example.com +all\""),
        spf("i.example.com", "\"v=spf1 a:n2.example.com a:n3.example.com ?all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"include-loop-limit",
       {spf("e.example.com", "\"v=spf1 include:e.example.com\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPerm}},
      {"lookups-after-match-not-counted",
       {spf("e.example.com",
            "\"v=spf1 +all a:a1.example.com a:a2.example.com a:a3.example.com a:a4.example.com "
            "a:a5.example.com "
            "a:a6.example.com a:a7.example.com a:a8.example.com a:a9.example.com a:a10.example.com "
            "a:a11.example.com\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPass}},
      {"ip4-terms-not-counted",
       {spf("e.example.com",
            "\"v=spf1 ip4:9.0.0.1 ip4:9.0.0.2 ip4:9.0.0.3 ip4:9.0.0.4 ip4:9.0.0.5 ip4:9.0.0.6 ip4:9.0.0.7 "
            "ip4:9.0.0.8 ip4:9.0.0.9 ip4:9.0.0.10 ip4:9.0.0.11 ip4:1.2.3.4 -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kPass}},
      // DNS errors.
      {"txt-servfail-temperror",
       {spf("e.example.com", "\"v=spf1 include:sf.example.com -all\"")},
       "1.2.3.4",
       "joe@sf.example.com",
       "h.example",
       {kTemp}},
      {"exists-servfail-temperror",
       {spf("e.example.com", "\"v=spf1 exists:sf.example.com -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kTemp}},
      {"mx-servfail-temperror",
       {spf("e.example.com", "\"v=spf1 mx:sf.example.com -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kTemp}},
      {"exp-servfail-ignored",
       {spf("e.example.com", "\"v=spf1 -all exp=sf.example.com\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kFail},
       ""},
      {"redirect-servfail-temperror",
       {spf("e.example.com", "\"v=spf1 redirect=sf.example.com\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kTemp}},
      {"include-temperror-before-pass",
       {spf("e.example.com", "\"v=spf1 include:sf.example.com ip4:1.2.3.4 -all\"")},
       "1.2.3.4",
       "joe@e.example.com",
       "h.example",
       {kTemp}},
      // Identities.
      {"null-sender-uses-helo",
       {spf("h.example.com", "\"v=spf1 ip4:1.2.3.4 -all\"")},
       "1.2.3.4",
       "",
       "h.example.com",
       {kPass}},
      {"null-sender-angle-brackets",
       {spf("h.example.com", "\"v=spf1 -all\"")},
       "1.2.3.4",
       "<>",
       "h.example.com",
       {kFail}},
      {"helo-domain-literal-null-sender", {}, "1.2.3.4", "", "[1.2.3.4]", {kNone}},
      {"helo-single-label-null-sender", {}, "1.2.3.4", "", "A2345678", {kNone}},
      {"sender-domain-case-insensitive",
       {spf("e.example.com", "\"v=spf1 ip4:1.2.3.4 -all\"")},
       "1.2.3.4",
       "Joe@E.EXAMPLE.COM",
       "h.example",
       {kPass}},
  };
  return all;
}

// RFC 7208 5.5: only the first 10 PTR names are validated; a matching 11th name is ignored.
TEST(SpfLimits, PtrNamesBeyondTenAreIgnored) {
  test::TestDnsServer dns;
  ASSERT_TRUE(dns.add("e.example.com", "TXT", "\"v=spf1 ptr:good.example.com -all\""));
  for (int i = 0; i < 11; ++i) {
    std::string host = (i == 10 ? "h10.good.example.com" : "h" + std::to_string(i) + ".other.example.com");
    ASSERT_TRUE(dns.add("4.3.2.1.in-addr.arpa", "PTR", host + "."));
    ASSERT_TRUE(dns.add(host, "A", "1.2.3.4"));
  }
  auto resolver = test::make_test_resolver(dns);
  auto deadline = Deadline::after(std::chrono::seconds(3));
  SpfEvaluator ev(*resolver);
  EXPECT_EQ(ev.check_mail_from(*IpAddress::parse("1.2.3.4"), "x@e.example.com", "h.example", deadline).result,
            SpfResult::fail);
  SpfLimits more;
  more.ptr_names = 11;
  SpfEvaluator ev11(*resolver, more);
  EXPECT_EQ(
      ev11.check_mail_from(*IpAddress::parse("1.2.3.4"), "x@e.example.com", "h.example", deadline).result,
      SpfResult::pass);
}

// The lookup limit counts across includes and redirects: 10 DNS terms pass, the 11th is permerror.
TEST(SpfLimits, EleventhLookupThroughIncludesAndRedirect) {
  test::TestDnsServer dns;
  ASSERT_TRUE(dns.add("e.example.com", "TXT",
                      "\"v=spf1 include:i1.example.com include:i2.example.com redirect=r.example.com\""));
  ASSERT_TRUE(dns.add("i1.example.com", "TXT", "\"v=spf1 a:x1.example.com a:x2.example.com ?all\""));
  ASSERT_TRUE(dns.add("i2.example.com", "TXT", "\"v=spf1 a:x3.example.com mx:x4.example.com ?all\""));
  // So far 2 includes + 4 terms + redirect = 7; r.example.com adds 3 (10 in all) or 4.
  ASSERT_TRUE(dns.add("r.example.com", "TXT",
                      "\"v=spf1 a:x5.example.com a:x6.example.com a:x7.example.com ip4:1.2.3.4 "
                      "a:x8.example.com -all\""));
  for (int i = 1; i <= 8; ++i) ASSERT_TRUE(dns.add("x" + std::to_string(i) + ".example.com", "A", "9.9.9.9"));
  ASSERT_TRUE(dns.add("x4.example.com", "MX", "10 x1.example.com."));
  auto resolver = test::make_test_resolver(dns);
  SpfEvaluator ev(*resolver);
  auto deadline = Deadline::after(std::chrono::seconds(3));
  auto v = ev.check_mail_from(*IpAddress::parse("1.2.3.4"), "x@e.example.com", "h.example", deadline);
  EXPECT_EQ(v.result, SpfResult::pass) << v.reason;
  EXPECT_EQ(v.dns_terms, 10);
  auto w = ev.check_mail_from(*IpAddress::parse("1.2.3.5"), "x@e.example.com", "h.example", deadline);
  EXPECT_EQ(w.result, SpfResult::permerror) << w.reason;
  EXPECT_EQ(w.dns_terms, 11);
}

// RFC 7208 2.3: the HELO identity on its own.
TEST(SpfHelo, HeloIdentity) {
  test::TestDnsServer dns;
  ASSERT_TRUE(dns.add("mail.example.com", "TXT", "\"v=spf1 a -all\""));
  ASSERT_TRUE(dns.add("mail.example.com", "A", "1.2.3.4"));
  ASSERT_TRUE(dns.add("macro.example.com", "TXT", "\"v=spf1 exists:%{l}.%{o}.%{h}.m.example -all\""));
  ASSERT_TRUE(dns.add("postmaster.macro.example.com.macro.example.com.m.example", "A", "127.0.0.2"));
  auto resolver = test::make_test_resolver(dns);
  SpfEvaluator ev(*resolver);
  auto deadline = Deadline::after(std::chrono::seconds(3));
  auto ip = *IpAddress::parse("1.2.3.4");
  auto pass = ev.check_helo(ip, "mail.example.com", deadline);
  EXPECT_EQ(pass.result, SpfResult::pass);
  EXPECT_EQ(pass.identity, SpfIdentity::helo);
  EXPECT_EQ(pass.sender, "postmaster@mail.example.com");
  EXPECT_EQ(ev.check_helo(*IpAddress::parse("1.2.3.5"), "mail.example.com", deadline).result,
            SpfResult::fail);
  EXPECT_EQ(ev.check_helo(ip, "MAIL.Example.COM", deadline).result, SpfResult::pass);
  // %{l} is postmaster, %{o} and %{h} the HELO name.
  EXPECT_EQ(ev.check_helo(ip, "macro.example.com", deadline).result, SpfResult::pass);
  // Address literals and single labels are no domains: none, without a query.
  for (const char* helo : {"[1.2.3.4]", "localhost", "", "a..example.com"}) {
    auto v = ev.check_helo(ip, helo, deadline);
    EXPECT_EQ(v.result, SpfResult::none) << helo;
    EXPECT_TRUE(v.trail.empty()) << helo;
  }
  EXPECT_EQ(ev.check_helo(ip, "nx.example.com", deadline).result, SpfResult::none);
}

// DNS that never answers: temperror within the evaluation's deadline, however many terms remain.
TEST(SpfDeadline, SilentDnsIsTemperrorWithinTheDeadline) {
  test::TestDnsServer dns;
  ASSERT_TRUE(dns.add("e.example.com", "TXT",
                      "\"v=spf1 a:d1.example.com a:d2.example.com a:d3.example.com a:d4.example.com -all\""));
  for (const char* n : {"d1.example.com", "d2.example.com", "d3.example.com", "d4.example.com"})
    dns.set_behavior(n, test::DnsBehavior::drop);
  dns.set_behavior("drop.example.com", test::DnsBehavior::drop);
  auto resolver = test::make_test_resolver(dns, std::chrono::milliseconds(2000));
  SpfEvaluator ev(*resolver);
  auto start = std::chrono::steady_clock::now();
  auto v = ev.check_mail_from(*IpAddress::parse("1.2.3.4"), "x@e.example.com", "h.example",
                              Deadline::after(std::chrono::milliseconds(200)));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(v.result, SpfResult::temperror) << v.reason;
  EXPECT_LT(took, std::chrono::milliseconds(1500));  // bounded by the deadline, not the resolver
  auto w = ev.check_mail_from(*IpAddress::parse("1.2.3.4"), "x@drop.example.com", "h.example",
                              Deadline::after(std::chrono::milliseconds(100)));
  EXPECT_EQ(w.result, SpfResult::temperror) << w.reason;
  // An already expired deadline gives temperror too, never a definite answer.
  auto x = ev.check_mail_from(*IpAddress::parse("1.2.3.4"), "x@e.example.com", "h.example",
                              Deadline::after(std::chrono::milliseconds(0)));
  EXPECT_EQ(x.result, SpfResult::temperror) << x.reason;
}

// RFC 7208 7.3 transformers and delimiters, 7.4 examples not covered in spf_test.cpp.
TEST(SpfMacroSuite, TransformersDelimitersAndEscapes) {
  SpfMacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.domain = "email.example.com";
  c.ip = *IpAddress::parse("192.0.2.3");
  c.helo = "mx.example.org";
  c.receiver = "mx.receiver.example";
  c.timestamp = 1700000000;
  auto x = [&](const char* s, bool exp = false) {
    auto r = expand_spf_macros(s, c, exp);
    return r ? *r : "ERROR";
  };
  EXPECT_EQ(x("%{s}.x.example"), "strong-bad@email.example.com.x.example");
  EXPECT_EQ(x("%{S}", true), "strong-bad%40email.example.com");
  EXPECT_EQ(x("%{i}"), "192.0.2.3");
  EXPECT_EQ(x("%{i2}"), "2.3");
  EXPECT_EQ(x("%{i2r}"), "0.192");
  EXPECT_EQ(x("%{v}"), "in-addr");
  EXPECT_EQ(x("%{d9}"), "email.example.com");  // more parts than there are: all
  EXPECT_EQ(x("%{l+}"), "strong-bad");
  EXPECT_EQ(x("%{l-.}"), "strong.bad");
  EXPECT_EQ(x("%{d,}"), "email.example.com");
  c.sender = "a+b,c/d_e=f@email.example.com";
  EXPECT_EQ(x("%{lr+,/_=}"), "f.e.d.c.b.a");
  EXPECT_EQ(x("%{l2r+,/_=}"), "b.a");   // reverse, then the 2 right-most
  EXPECT_EQ(x("%{l+,/_=r}"), "ERROR");  // r comes before the delimiters
  EXPECT_EQ(x("%{c}", true), "192.0.2.3");
  EXPECT_EQ(x("%{r}", true), "mx.receiver.example");
  EXPECT_EQ(x("%{t}", true), "1700000000");
  EXPECT_EQ(x("%{t}"), "ERROR");
  EXPECT_EQ(x("%{r}"), "ERROR");
  EXPECT_EQ(x("%{d0}"), "ERROR");
  EXPECT_EQ(x("%{d"), "ERROR");
  EXPECT_EQ(x("%{dx}"), "ERROR");
  EXPECT_EQ(x("%a"), "ERROR");
  EXPECT_EQ(x("a%%b%_c%-d", true), "a%b c%20d");
  c.ip = *IpAddress::parse("2001:db8::cb01");
  EXPECT_EQ(x("%{v}"), "ip6");
  EXPECT_EQ(x("%{c}", true), "2001:db8::cb01");
  EXPECT_EQ(x("%{i}"), "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
  EXPECT_EQ(x("%{i4}"), "c.b.0.1");
  EXPECT_EQ(x("%{i4r}"), "1.0.0.2");
  // 7.3: a name over 253 bytes loses whole labels from the left.
  c.sender = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
             std::string(63, 'd') + "@e.example";
  std::string out = x("%{l}.e.example");
  EXPECT_EQ(out,
            std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(63, 'd') + ".e.example");
  // Explanations are not domain names and are not truncated to 253 bytes.
  EXPECT_GT(x("%{l}.e.example", true).size(), 253u);
}

// %{t} in an explanation is the evaluation time the caller passes (from its injected Clock).
TEST(SpfExplanation, TimestampComesFromTheCaller) {
  test::TestDnsServer dns;
  ASSERT_TRUE(dns.add("e.example.com", "TXT", "\"v=spf1 -all exp=x.example.com\""));
  ASSERT_TRUE(dns.add("x.example.com", "TXT", "\"at %{t} from %{c}\""));
  auto resolver = test::make_test_resolver(dns);
  SpfEvaluator ev(*resolver, {}, "mx.receiver.example");
  auto v = ev.check_mail_from(*IpAddress::parse("2001:db8::1"), "x@e.example.com", "h.example",
                              Deadline::after(std::chrono::seconds(3)), 1700000000);
  EXPECT_EQ(v.result, SpfResult::fail);
  EXPECT_EQ(v.explanation, "at 1700000000 from 2001:db8::1");
}

TEST(SpfRecordLimits, NamedLimits) {
  std::string spec(kMaxSpfDomainSpecLength - 12, 'a');
  EXPECT_TRUE(parse_spf_record("v=spf1 a:" + spec + ".example.com -all"));
  EXPECT_FALSE(parse_spf_record("v=spf1 a:a" + spec + ".example.com -all"));
  std::string many = "v=spf1";
  for (size_t i = 0; i < kMaxSpfTerms; ++i) many += " ip4:1.2.3.4";
  EXPECT_TRUE(parse_spf_record(many));
  EXPECT_FALSE(parse_spf_record(many + " -all"));
  std::string longrec = "v=spf1 " + std::string(kMaxSpfRecordLength, ' ');
  EXPECT_FALSE(parse_spf_record(longrec));
}

class SpfSuite : public ::testing::TestWithParam<size_t> {};

TEST_P(SpfSuite, MailFrom) {
  const Case& c = cases()[GetParam()];
  test::TestDnsServer dns;
  for (const auto& rr : c.zone)
    ASSERT_TRUE(dns.add(rr.name, rr.type, rr.rdata)) << rr.name << " " << rr.rdata;
  dns.set_behavior("sf.example.com", test::DnsBehavior::servfail);
  auto resolver = test::make_test_resolver(dns);
  SpfEvaluator ev(*resolver);
  auto v =
      ev.check_mail_from(*IpAddress::parse(c.ip), c.sender, c.helo, Deadline::after(std::chrono::seconds(3)));
  std::string trail;
  for (const auto& t : v.trail) trail += "  " + t + "\n";
  bool ok = false;
  for (auto e : c.expected) ok |= v.result == e;
  EXPECT_TRUE(ok) << c.name << ": got " << to_string(v.result) << " (" << v.reason << ")\n" << trail;
  if (c.explanation) {
    EXPECT_EQ(v.explanation, c.explanation) << c.name << "\n" << trail;
  }
}

std::string case_name(const ::testing::TestParamInfo<size_t>& info) {
  std::string n = cases()[info.param].name;
  for (char& ch : n) {
    if (ch == '-') ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Rfc7208, SpfSuite, ::testing::Range<size_t>(0, cases().size()), case_name);

}  // namespace
}  // namespace postern
