// SPF (RFC 7208): the record parser, the macro expander (the RFC's section 7.4 examples) and
// check_host() against the in-process TestDnsServer through the real LdnsResolver: every
// mechanism and qualifier, redirect and include semantics, exp=, the 10-lookup, 2-void, MX and
// PTR limits, loops, multiple records, HELO and the null sender, DNS failures as temperror.
#include <gtest/gtest.h>

#include "common/dns/ldns_resolver.h"
#include "common/dns/server_spec.h"
#include "common/spf/evaluator.h"
#include "common/spf/macro.h"
#include "common/spf/record.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

using test::DnsBehavior;
using test::TestDnsServer;

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

TEST(SpfRecord, ParsesEveryMechanismAndModifier) {
  auto r = parse_spf_record(
      "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24 mx/24//64 mx:ex.com ptr ptr:ex.com "
      "ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.%{l1r+-}._spf.%{d} redirect=_spf.example.com "
      "exp=explain._spf.%{d} foo=bar");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->terms.size(), 11u);
  EXPECT_EQ(r->terms[1].qualifier, SpfQualifier::fail);
  EXPECT_EQ(r->terms[1].domain_spec, "_spf.example.com");
  EXPECT_EQ(r->terms[2].qualifier, SpfQualifier::softfail);
  EXPECT_EQ(r->terms[3].cidr4, 24);
  EXPECT_EQ(r->terms[4].cidr4, 24);
  EXPECT_EQ(r->terms[4].cidr6, 64);
  EXPECT_EQ(r->terms[8].network->str(), "192.0.2.0/24");
  EXPECT_EQ(r->terms[9].network->str(), "2001:db8::/32");
  EXPECT_EQ(r->redirect, "_spf.example.com");
  EXPECT_EQ(r->exp, "explain._spf.%{d}");
}

TEST(SpfRecord, SelectionAndSyntaxErrors) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_FALSE(is_spf_record("v=spf2.0/pra -all"));
  for (const char* bad :
       {"v=spf1 foo", "v=spf1 ip4:192.0.2.300", "v=spf1 ip4:192.0.2.0/33", "v=spf1 ip6:192.0.2.1",
        "v=spf1 a/01", "v=spf1 include", "v=spf1 include:", "v=spf1 all:x",
        "v=spf1 redirect=a.com redirect=b.com", "v=spf1 exp=a.com exp=b.com", "v=spf1 a:%{z}.com",
        "v=spf1 a:%{d0}.com", "v=spf1 a:foo%", "v=spf1 include:example", "v=spf1 mx:bad.-com/24",
        "v=spf1 ip4:01.2.3.4"}) {
    EXPECT_FALSE(parse_spf_record(bad)) << "accepted: " << bad;
  }
  EXPECT_TRUE(parse_spf_record("v=spf1   -all  "));
  EXPECT_TRUE(parse_spf_record("v=spf1 a:foo.%{d}"));
}

TEST(SpfMacro, Rfc7208Section74Examples) {
  SpfMacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.domain = "email.example.com";
  c.ip = ip("192.0.2.3");
  c.helo = "mx.example.org";
  auto x = [&](const char* s) {
    auto r = expand_spf_macros(s, c, false);
    return r ? *r : "ERROR " + r.error().message;
  };
  EXPECT_EQ(x("%{s}"), "strong-bad@email.example.com");
  EXPECT_EQ(x("%{o}"), "email.example.com");
  EXPECT_EQ(x("%{d}"), "email.example.com");
  EXPECT_EQ(x("%{d4}"), "email.example.com");
  EXPECT_EQ(x("%{d3}"), "email.example.com");
  EXPECT_EQ(x("%{d2}"), "example.com");
  EXPECT_EQ(x("%{d1}"), "com");
  EXPECT_EQ(x("%{dr}"), "com.example.email");
  EXPECT_EQ(x("%{d2r}"), "example.email");
  EXPECT_EQ(x("%{l}"), "strong-bad");
  EXPECT_EQ(x("%{l-}"), "strong.bad");
  EXPECT_EQ(x("%{lr}"), "strong-bad");
  EXPECT_EQ(x("%{lr-}"), "bad.strong");
  EXPECT_EQ(x("%{l1r-}"), "strong");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"), "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(x("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"), "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(x("%{d2}.trusted-domains.example.net"), "example.com.trusted-domains.example.net");
  EXPECT_EQ(x("%%%_%-"), "% %20");
  EXPECT_EQ(x("%{h}"), "mx.example.org");
  c.ip = ip("2001:db8::cb01");
  EXPECT_EQ(x("%{ir}.%{v}._spf.%{d2}"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
  c.sender = "a b@x.example";
  EXPECT_EQ(x("%{L}"), "a%20b");
  EXPECT_FALSE(expand_spf_macros("%{c}", c, false));  // c only in explanations
  EXPECT_TRUE(expand_spf_macros("%{c} %{r} %{t}", c, true));
  // Long expansions lose labels from the left, down to 253 bytes.
  c.sender = std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
             std::string(60, 'd') + ".example@x.example";
  auto long_name = x("%{l}.x.example");
  EXPECT_LE(long_name.size(), 253u);
  EXPECT_EQ(long_name.substr(long_name.size() - 17), "example.x.example");
}

class SpfEval : public ::testing::Test {
 protected:
  void SetUp() override {
    resolver = test::make_test_resolver(dns);
    ev = std::make_unique<SpfEvaluator>(*resolver);
  }
  void txt(const std::string& name, const std::string& text) {
    ASSERT_TRUE(dns.add(name, "TXT", "\"" + text + "\"")) << name;
  }
  SpfVerdict check(const char* client, const std::string& sender,
                   const std::string& helo = "helo.example.net") {
    return ev->check_mail_from(ip(client), sender, helo, Deadline::after(std::chrono::seconds(3)));
  }
  SpfResult result(const char* client, const std::string& sender) { return check(client, sender).result; }

  TestDnsServer dns;
  std::unique_ptr<Resolver> resolver;
  std::unique_ptr<SpfEvaluator> ev;
};

TEST_F(SpfEval, QualifiersAndIpMechanisms) {
  txt("a.example", "v=spf1 ip4:192.0.2.0/24 -ip4:198.51.100.7 ~ip6:2001:db8::/32 ?ip4:203.0.113.1 -all");
  EXPECT_EQ(result("192.0.2.77", "x@a.example"), SpfResult::pass);
  EXPECT_EQ(result("198.51.100.7", "x@a.example"), SpfResult::fail);
  EXPECT_EQ(result("2001:db8::5", "x@a.example"), SpfResult::softfail);
  EXPECT_EQ(result("203.0.113.1", "x@a.example"), SpfResult::neutral);
  EXPECT_EQ(result("203.0.113.2", "x@a.example"), SpfResult::fail);
  EXPECT_EQ(result("::ffff:192.0.2.5", "x@a.example"), SpfResult::pass);  // IPv4-mapped
}

TEST_F(SpfEval, NoneAndNeutral) {
  EXPECT_EQ(result("192.0.2.1", "x@nothing.example"), SpfResult::none);  // NXDOMAIN
  txt("notspf.example", "hello world");
  EXPECT_EQ(result("192.0.2.1", "x@notspf.example"), SpfResult::none);
  txt("empty.example", "v=spf1");
  EXPECT_EQ(result("192.0.2.1", "x@empty.example"), SpfResult::neutral);
  EXPECT_EQ(result("192.0.2.1", "x@singlelabel"), SpfResult::none);
}

TEST_F(SpfEval, MultipleRecordsArePermerrorAndSyntaxErrorsToo) {
  txt("two.example", "v=spf1 -all");
  txt("two.example", "v=spf1 +all");
  EXPECT_EQ(result("192.0.2.1", "x@two.example"), SpfResult::permerror);
  txt("bad.example", "v=spf1 ip4:1.2.3.4/40 -all");
  EXPECT_EQ(result("192.0.2.1", "x@bad.example"), SpfResult::permerror);
  txt("spf2.example", "spf2.0/pra -all");
  txt("spf2.example", "v=spf1 +all");
  EXPECT_EQ(result("192.0.2.1", "x@spf2.example"), SpfResult::pass);
}

TEST_F(SpfEval, AAndMxWithDualCidr) {
  txt("a.example", "v=spf1 a a:other.example/24 -all");
  dns.add("a.example", "A", "192.0.2.10");
  dns.add("other.example", "A", "198.51.100.1");
  EXPECT_EQ(result("192.0.2.10", "x@a.example"), SpfResult::pass);
  EXPECT_EQ(result("198.51.100.200", "x@a.example"), SpfResult::pass);
  EXPECT_EQ(result("192.0.2.11", "x@a.example"), SpfResult::fail);
  txt("m.example", "v=spf1 mx//64 -all");
  dns.add("m.example", "MX", "10 mx1.m.example.");
  dns.add("m.example", "MX", "20 mx2.m.example.");
  dns.add("mx1.m.example", "A", "192.0.2.20");
  dns.add("mx2.m.example", "AAAA", "2001:db8:1::1");
  EXPECT_EQ(result("192.0.2.20", "x@m.example"), SpfResult::pass);
  EXPECT_EQ(result("2001:db8:1::ffff", "x@m.example"), SpfResult::pass);
  EXPECT_EQ(result("2001:db8:2::1", "x@m.example"), SpfResult::fail);
}

TEST_F(SpfEval, TooManyMxNamesIsPermerror) {
  txt("manymx.example", "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i)
    dns.add("manymx.example", "MX", std::to_string(i) + " mx" + std::to_string(i) + ".manymx.example.");
  EXPECT_EQ(result("192.0.2.1", "x@manymx.example"), SpfResult::permerror);
}

TEST_F(SpfEval, PtrValidatesNames) {
  txt("p.example", "v=spf1 ptr -all");
  dns.add("7.2.0.192.in-addr.arpa", "PTR", "host.p.example.");
  dns.add("host.p.example", "A", "192.0.2.7");
  dns.add("8.2.0.192.in-addr.arpa", "PTR", "liar.p.example.");
  dns.add("liar.p.example", "A", "192.0.2.99");  // does not point back
  EXPECT_EQ(result("192.0.2.7", "x@p.example"), SpfResult::pass);
  EXPECT_EQ(result("192.0.2.8", "x@p.example"), SpfResult::fail);
  // %{p} gives the validated name.
  txt("pm.example", "v=spf1 exists:%{p}.allow.pm.example -all");
  dns.add("host.p.example.allow.pm.example", "A", "127.0.0.2");
  EXPECT_EQ(result("192.0.2.7", "x@pm.example"), SpfResult::pass);
}

TEST_F(SpfEval, ExistsWithMacros) {
  txt("e.example", "v=spf1 exists:%{ir}.%{l1r+}._spf.%{d} -all");
  dns.add("7.2.0.192.alice._spf.e.example", "A", "127.0.0.2");
  EXPECT_EQ(result("192.0.2.7", "alice@e.example"), SpfResult::pass);
  EXPECT_EQ(result("192.0.2.7", "bob@e.example"), SpfResult::fail);
}

TEST_F(SpfEval, IncludeSemantics) {
  txt("inc.example", "v=spf1 include:pass.example include:fail.example include:none.example -all");
  txt("pass.example", "v=spf1 ip4:192.0.2.1 -all");
  txt("fail.example", "v=spf1 -all");
  EXPECT_EQ(result("192.0.2.1", "x@inc.example"), SpfResult::pass);
  // fail.example's -all does not end inc.example's evaluation; none.example has no record.
  EXPECT_EQ(result("192.0.2.2", "x@inc.example"), SpfResult::permerror);
  txt("inc2.example", "v=spf1 include:fail.example ~all");
  EXPECT_EQ(result("192.0.2.2", "x@inc2.example"), SpfResult::softfail);
}

TEST_F(SpfEval, RedirectSemantics) {
  txt("r.example", "v=spf1 redirect=target.example");
  txt("target.example", "v=spf1 ip4:192.0.2.0/24 -all");
  EXPECT_EQ(result("192.0.2.1", "x@r.example"), SpfResult::pass);
  EXPECT_EQ(result("198.51.100.1", "x@r.example"), SpfResult::fail);
  txt("rnone.example", "v=spf1 redirect=nothing.example");
  EXPECT_EQ(result("192.0.2.1", "x@rnone.example"), SpfResult::permerror);
  txt("rignored.example", "v=spf1 +all redirect=target.example");  // all matches first
  EXPECT_EQ(result("198.51.100.1", "x@rignored.example"), SpfResult::pass);
}

TEST_F(SpfEval, LookupLimitAndLoops) {
  std::string rec = "v=spf1";
  for (int i = 0; i < 11; ++i) {
    rec += " a:h" + std::to_string(i) + ".limit.example";
    dns.add("h" + std::to_string(i) + ".limit.example", "A", "198.51.100.1");
  }
  txt("limit.example", rec + " -all");
  auto v = check("192.0.2.1", "x@limit.example");
  EXPECT_EQ(v.result, SpfResult::permerror);
  EXPECT_NE(v.reason.find("10 DNS lookups"), std::string::npos) << v.reason;
  txt("loop.example", "v=spf1 include:loop.example -all");
  EXPECT_EQ(result("192.0.2.1", "x@loop.example"), SpfResult::permerror);
  txt("ten.example",
      "v=spf1 a:h0.limit.example a:h1.limit.example a:h2.limit.example a:h3.limit.example "
      "a:h4.limit.example a:h5.limit.example a:h6.limit.example a:h7.limit.example "
      "a:h8.limit.example ip4:192.0.2.1 a:h9.limit.example -all");
  EXPECT_EQ(result("192.0.2.1", "x@ten.example"), SpfResult::pass);  // 9 lookups, then a match
}

TEST_F(SpfEval, VoidLookupLimit) {
  txt("void.example", "v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example +all");
  auto v = check("192.0.2.1", "x@void.example");
  EXPECT_EQ(v.result, SpfResult::permerror);
  EXPECT_EQ(v.void_lookups, 3);
  txt("twovoid.example", "v=spf1 a:n1.void.example a:n2.void.example +all");
  EXPECT_EQ(result("192.0.2.1", "x@twovoid.example"), SpfResult::pass);
}

TEST_F(SpfEval, ExplanationOnFail) {
  txt("x.example", "v=spf1 -all exp=why.x.example");
  txt("why.x.example", "%{i} is not one of %{d}'s designated mail servers.");
  auto v = check("192.0.2.9", "x@x.example");
  EXPECT_EQ(v.result, SpfResult::fail);
  EXPECT_EQ(v.explanation, "192.0.2.9 is not one of x.example's designated mail servers.");
  txt("nowhy.example", "v=spf1 -all exp=missing.nowhy.example");
  auto w = check("192.0.2.9", "x@nowhy.example");
  EXPECT_EQ(w.result, SpfResult::fail);  // a missing explanation is no error
  EXPECT_EQ(w.explanation, "");
}

TEST_F(SpfEval, NullSenderAndHelo) {
  txt("helo.example.net", "v=spf1 ip4:192.0.2.5 -all");
  auto v = check("192.0.2.5", "");
  EXPECT_EQ(v.result, SpfResult::pass);
  EXPECT_EQ(v.sender, "postmaster@helo.example.net");
  auto h = ev->check_helo(ip("192.0.2.6"), "helo.example.net", Deadline::after(std::chrono::seconds(3)));
  EXPECT_EQ(h.result, SpfResult::fail);
  EXPECT_EQ(h.identity, SpfIdentity::helo);
  // %{l} of a sender without a local part is postmaster.
  txt("l.example", "v=spf1 exists:%{l}.l.example -all");
  dns.add("postmaster.l.example", "A", "127.0.0.2");
  EXPECT_EQ(result("192.0.2.1", "@l.example"), SpfResult::pass);
}

TEST_F(SpfEval, DnsFailuresAreTemperror) {
  dns.set_behavior("servfail.example", DnsBehavior::servfail);
  EXPECT_EQ(result("192.0.2.1", "x@servfail.example"), SpfResult::temperror);
  dns.set_behavior("drop.example", DnsBehavior::drop);
  auto v = check("192.0.2.1", "x@drop.example");
  EXPECT_EQ(v.result, SpfResult::temperror);
  txt("inc.example", "v=spf1 include:drop.example -all");
  EXPECT_EQ(result("192.0.2.1", "x@inc.example"), SpfResult::temperror);
  txt("a.example", "v=spf1 a:servfail.example -all");
  EXPECT_EQ(result("192.0.2.1", "x@a.example"), SpfResult::temperror);
}

}  // namespace
}  // namespace postern

namespace postern {
namespace {

TEST(PosternctlSpf, PrintsTheResultFirstThenTheTrail) {
  TestDnsServer dns;
  test::TempDir dir("postern-spf-ctl");
  const std::string conf = dir.write("postern.conf", "[log]\ndestination = \"stderr\"\n").string();
  ASSERT_TRUE(dns.add("example.org", "TXT", "\"v=spf1 ip4:192.0.2.0/24 -all exp=why.example.org\""));
  ASSERT_TRUE(dns.add("why.example.org", "TXT", "\"%{i} may not send for %{d}\""));
  auto pass = test::run_command({POSTERNCTL, "-c", conf, "--dns", dns.address(), "spf", "--ip", "192.0.2.7",
                                 "--sender", "alice@example.org"});
  EXPECT_EQ(pass.exit_code, 0) << pass.output;
  EXPECT_EQ(pass.output.substr(0, pass.output.find('\n')), "pass") << pass.output;
  EXPECT_NE(pass.output.find("TXT example.org: v=spf1 ip4:192.0.2.0/24 -all"), std::string::npos)
      << pass.output;
  auto fail = test::run_command({POSTERNCTL, "-c", conf, "--dns", dns.address(), "spf", "--ip",
                                 "198.51.100.1", "--sender", "alice@example.org"});
  EXPECT_EQ(fail.exit_code, 0);
  EXPECT_EQ(fail.output.substr(0, fail.output.find('\n')), "fail") << fail.output;
  EXPECT_NE(fail.output.find("explanation: 198.51.100.1 may not send for example.org"), std::string::npos)
      << fail.output;
  auto usage = test::run_command({POSTERNCTL, "-c", conf, "spf", "--ip", "nonsense", "--sender", "a@b.c"});
  EXPECT_EQ(usage.exit_code, 64);
}

}  // namespace
}  // namespace postern
