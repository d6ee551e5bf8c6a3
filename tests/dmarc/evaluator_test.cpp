// DmarcEvaluator against the in-process TestDnsServer through the real LdnsResolver: the RFC 9989
// tree walk (record at the From domain, at the organizational domain, psd=y/n/u, np for
// non-existent subdomains, long names and the 8-query bound), multiple records, DNS failures as
// temperror, strict and relaxed alignment for DKIM and SPF, test mode, local overrides, author
// errors, and the Authentication-Results properties. DNS timeouts are real 150 ms timeouts.
#include "common/dmarc/evaluator.h"

#include <gtest/gtest.h>

#include <chrono>

#include "common/authres/builder.h"
#include "common/dmarc/tree_walk.h"
#include "common/dns/ldns_resolver.h"
#include "common/dns/server_spec.h"
#include "tests/harness/dns_server.h"

namespace postern {
namespace {

using test::DnsBehavior;
using test::TestDnsServer;

class DmarcEval : public ::testing::Test {
 protected:
  void SetUp() override { resolver = test::make_test_resolver(dns); }

  void txt(const std::string& name, const std::string& text) {
    ASSERT_TRUE(dns.add(name, "TXT", "\"" + text + "\"")) << name << " " << text;
  }
  void host(const std::string& name) { ASSERT_TRUE(dns.add(name, "A", "192.0.2.1")); }

  DmarcVerdict eval(const std::string& from, const std::string& spf_domain = "", const std::string& spf = "",
                    std::vector<std::pair<std::string, std::string>> dkim = {},
                    std::optional<IpAddress> ip = std::nullopt) {
    DmarcInput in;
    in.from = parse_from_header({from});
    in.spf_domain = spf_domain;
    if (!spf.empty()) in.spf_result = parse_auth_result(spf).value();
    for (const auto& [d, r] : dkim) in.dkim.push_back({d, parse_auth_result(r).value()});
    in.client_ip = ip;
    DmarcEvaluator e(*resolver, config);
    return e.evaluate(in, Deadline::after(std::chrono::seconds(3)));
  }

  TestDnsServer dns;
  std::unique_ptr<Resolver> resolver;
  DmarcConfig config = [] {
    DmarcConfig c;
    c.enforce = true;
    return c;
  }();
};

TEST_F(DmarcEval, RecordAtTheFromDomainAndAlignedDkimPasses) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject; rua=mailto:agg@example.org");
  auto v = eval("Alice <alice@Example.org>", "", "", {{"example.org", "pass"}});
  EXPECT_EQ(v.result, DmarcResult::pass) << v.reason;
  EXPECT_EQ(v.author_domain, "example.org");
  EXPECT_EQ(v.policy_domain, "example.org");
  EXPECT_EQ(v.org_domain, "");  // identical domains: no tree walk needed (RFC 9989)
  EXPECT_EQ(dns.total_queries(), 1);
  EXPECT_EQ(v.policy_tag, DmarcPolicyTag::p);
  EXPECT_EQ(v.requested, DmarcPolicy::reject);
  EXPECT_EQ(v.applied, DmarcPolicy::none);
  EXPECT_TRUE(v.dkim_aligned);
  EXPECT_FALSE(v.spf_aligned);
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::accept);
}

TEST_F(DmarcEval, NoAlignedPassFailsAndRejects) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  auto v =
      eval("alice@example.org", "evil.example", "pass", {{"evil.example", "pass"}, {"example.org", "fail"}});
  EXPECT_EQ(v.result, DmarcResult::fail) << v.reason;
  EXPECT_EQ(v.applied, DmarcPolicy::reject);
  ASSERT_EQ(v.alignment.size(), 3u);
  EXPECT_EQ(v.alignment[1].detail, "not a pass");
  auto d = decide_dmarc_action(v, config);
  EXPECT_EQ(d.action, DmarcAction::reject);
  EXPECT_EQ(d.disposition, "reject");
  EXPECT_EQ(d.reply, config.reject_text);
}

TEST_F(DmarcEval, NoRecordAnywhereIsNone) {
  host("example.org");
  auto v = eval("alice@mail.example.org", "example.org", "pass");
  EXPECT_EQ(v.result, DmarcResult::none) << v.reason;
  EXPECT_FALSE(v.record);
  EXPECT_EQ(dns.queries("_dmarc.mail.example.org"), 1);
  EXPECT_EQ(dns.queries("_dmarc.example.org"), 1);
  EXPECT_EQ(dns.queries("_dmarc.org"), 1);
}

TEST_F(DmarcEval, RecordAtTheOrganizationalDomainGivesSp) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine; np=reject");
  host("mail.example.org");
  auto v = eval("alice@mail.example.org");
  EXPECT_EQ(v.result, DmarcResult::fail);
  EXPECT_EQ(v.policy_domain, "example.org");
  EXPECT_EQ(v.org_domain, "example.org");
  EXPECT_EQ(v.policy_tag, DmarcPolicyTag::sp);
  EXPECT_FALSE(v.author_domain_missing);
  EXPECT_EQ(v.applied, DmarcPolicy::quarantine);
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::hold);
}

TEST_F(DmarcEval, NonExistentSubdomainGetsNp) {
  txt("_dmarc.example.org", "v=DMARC1; p=none; sp=none; np=reject");
  auto v = eval("alice@nosuch.example.org");
  EXPECT_EQ(dns.queries("nosuch.example.org"), 1);  // one A query: NXDOMAIN
  EXPECT_EQ(v.policy_tag, DmarcPolicyTag::np);
  EXPECT_TRUE(v.author_domain_missing);
  EXPECT_EQ(v.applied, DmarcPolicy::reject);
  // A subdomain with only an MX record exists (its A query is NODATA).
  ASSERT_TRUE(dns.add("mx-only.example.org", "MX", "10 mx.example.org."));
  auto e = eval("alice@mx-only.example.org");
  EXPECT_EQ(e.policy_tag, DmarcPolicyTag::sp);
  EXPECT_EQ(e.applied, DmarcPolicy::none);
}

TEST_F(DmarcEval, NonExistentSubdomainWithoutNpFallsBackToSpThenP) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine");
  auto v = eval("alice@nosuch.example.org");
  EXPECT_EQ(v.policy_tag, DmarcPolicyTag::sp);
  EXPECT_EQ(v.applied, DmarcPolicy::quarantine);
  txt("_dmarc.example.net", "v=DMARC1; p=reject");
  auto w = eval("alice@nosuch.example.net");
  EXPECT_EQ(w.policy_tag, DmarcPolicyTag::p);
  EXPECT_EQ(w.applied, DmarcPolicy::reject);
}

TEST_F(DmarcEval, PublicSuffixDomainRecord) {
  // A PSD (psd=y) publishes for the organizations registered below it.
  txt("_dmarc.psd.example", "v=DMARC1; p=reject; psd=y");
  host("mail.agency.psd.example");
  auto v = eval("alice@mail.agency.psd.example", "", "", {{"agency.psd.example", "pass"}});
  EXPECT_EQ(v.policy_domain, "psd.example");
  EXPECT_EQ(v.org_domain, "agency.psd.example");
  EXPECT_EQ(v.result, DmarcResult::pass) << v.reason;
  auto f =
      eval("alice@mail.agency.psd.example", "", "", {{"other.psd.example", "pass"}, {"psd.example", "pass"}});
  EXPECT_EQ(f.result, DmarcResult::fail) << f.reason;
  EXPECT_EQ(f.applied, DmarcPolicy::reject);
  EXPECT_EQ(f.policy_source, DmarcPolicySource::public_suffix_domain);
  // An organization below the PSD with its own record: that record, not the PSD's.
  txt("_dmarc.own.psd.example", "v=DMARC1; p=none");
  host("mail.own.psd.example");
  auto own = eval("alice@mail.own.psd.example");
  EXPECT_EQ(own.org_domain, "own.psd.example");
  EXPECT_EQ(own.policy_domain, "own.psd.example");
  EXPECT_EQ(own.policy_source, DmarcPolicySource::organizational_domain);
  EXPECT_EQ(own.applied, DmarcPolicy::none);
  // The PSD's own mail: the organizational domain is the PSD itself.
  // A name below the PSD is its own organization, so it does not align with the PSD's mail.
  auto self = eval("ops@psd.example", "", "", {{"mail.psd.example", "pass"}});
  EXPECT_EQ(self.org_domain, "psd.example");
  EXPECT_EQ(self.result, DmarcResult::fail) << self.reason;
  EXPECT_EQ(self.alignment[0].detail, "organizational domain mail.psd.example differs from psd.example");
}

TEST_F(DmarcEval, PsdNoStopsTheOrganizationalDomainWalk) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  txt("_dmarc.dept.example.org", "v=DMARC1; p=quarantine; psd=n");
  host("x.dept.example.org");
  auto v = eval("a@x.dept.example.org", "", "", {{"dept.example.org", "pass"}});
  EXPECT_EQ(v.org_domain, "dept.example.org");
  EXPECT_EQ(v.result, DmarcResult::pass) << v.reason;
  EXPECT_EQ(dns.queries("_dmarc.org"), 0);  // the walk stopped at psd=n
  auto f = eval("a@x.dept.example.org", "", "", {{"example.org", "pass"}});
  EXPECT_EQ(f.result, DmarcResult::fail) << f.reason;
  EXPECT_EQ(f.applied, DmarcPolicy::quarantine);
  // From the parent organization, a d= inside the separate (psd=n) organization is not aligned.
  auto g = eval("a@example.org", "", "", {{"dept.example.org", "pass"}});
  EXPECT_EQ(g.org_domain, "example.org");
  EXPECT_EQ(g.result, DmarcResult::fail) << g.reason;
  EXPECT_NE(g.alignment[0].detail.find("organizational domain dept.example.org differs"), std::string::npos)
      << g.alignment[0].detail;
}

TEST_F(DmarcEval, PolicyFromTheAuthorDomainElseTheOrganizationalDomain) {
  txt("_dmarc.b.example.org", "v=DMARC1; p=none");
  txt("_dmarc.example.org", "v=DMARC1; p=reject; sp=quarantine");
  host("b.example.org");
  host("x.b.example.org");
  auto v = eval("a@b.example.org", "", "", {{"example.org", "pass"}});
  EXPECT_EQ(v.policy_domain, "b.example.org");
  EXPECT_EQ(v.policy_source, DmarcPolicySource::author_domain);
  EXPECT_EQ(v.requested, DmarcPolicy::none);
  EXPECT_EQ(v.org_domain, "example.org");  // the record with the fewest labels
  EXPECT_EQ(v.result, DmarcResult::pass) << v.reason;
  // Below b.example.org, b's record is neither the author domain's nor the organizational
  // domain's: the policy comes from example.org (its sp, as x.b.example.org is a subdomain).
  auto w = eval("a@x.b.example.org");
  EXPECT_EQ(w.policy_domain, "example.org");
  EXPECT_EQ(w.policy_source, DmarcPolicySource::organizational_domain);
  EXPECT_EQ(w.policy_tag, DmarcPolicyTag::sp);
  EXPECT_EQ(w.applied, DmarcPolicy::quarantine);
}

TEST_F(DmarcEval, StrictAndRelaxedDkimAlignment) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject; adkim=s");
  txt("_dmarc.example.net", "v=DMARC1; p=reject; adkim=r");
  auto strict = eval("a@example.org", "", "", {{"mail.example.org", "pass"}});
  EXPECT_EQ(strict.result, DmarcResult::fail);
  EXPECT_EQ(strict.alignment[0].detail, "strict alignment needs the same domain");
  EXPECT_EQ(eval("a@example.org", "", "", {{"EXAMPLE.org.", "pass"}}).result, DmarcResult::pass);
  auto relaxed = eval("a@example.net", "", "", {{"mail.example.net", "pass"}});
  EXPECT_EQ(relaxed.result, DmarcResult::pass) << relaxed.reason;
  EXPECT_EQ(relaxed.alignment[0].detail, "same organizational domain example.net");
  // Relaxed does not mean "shares a suffix".
  EXPECT_EQ(eval("a@example.net", "", "", {{"xample.net", "pass"}}).result, DmarcResult::fail);
  EXPECT_EQ(eval("a@example.net", "", "", {{"net", "pass"}}).result, DmarcResult::fail);
}

TEST_F(DmarcEval, StrictAndRelaxedSpfAlignment) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject; aspf=s");
  txt("_dmarc.example.net", "v=DMARC1; p=reject");
  EXPECT_EQ(eval("a@example.org", "bounce.example.org", "pass").result, DmarcResult::fail);
  EXPECT_EQ(eval("a@example.org", "example.org", "pass").result, DmarcResult::pass);
  auto relaxed = eval("a@example.net", "bounce.example.net", "pass");
  EXPECT_EQ(relaxed.result, DmarcResult::pass);
  EXPECT_TRUE(relaxed.spf_aligned);
  EXPECT_EQ(eval("a@example.net", "bounce.example.net", "softfail").result, DmarcResult::fail);
  EXPECT_EQ(eval("a@example.net", "example.net", "neutral").result, DmarcResult::fail);
}

TEST_F(DmarcEval, MultipleRecordsAtANameCountAsNone) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  txt("_dmarc.example.org", "v=DMARC1; p=none");
  auto v = eval("a@example.org");
  EXPECT_EQ(v.result, DmarcResult::none) << v.reason;
  // Below a name with two records, the walk goes on to the parent.
  txt("_dmarc.example.net", "v=DMARC1; p=quarantine");
  txt("_dmarc.sub.example.net", "v=DMARC1; p=reject");
  txt("_dmarc.sub.example.net", "v=DMARC1; p=none");
  host("sub.example.net");
  auto w = eval("a@sub.example.net");
  EXPECT_EQ(w.policy_domain, "example.net");
  EXPECT_EQ(w.applied, DmarcPolicy::quarantine);
  // Other TXT records at _dmarc are not DMARC records and do not count.
  txt("_dmarc.example.com", "v=spf1 -all");
  txt("_dmarc.example.com", "v=DMARC1; p=reject");
  EXPECT_EQ(eval("a@example.com").applied, DmarcPolicy::reject);
}

TEST_F(DmarcEval, InvalidRecordsAndImpliedNone) {
  txt("_dmarc.sub.example.org", "v=DMARC1; p=bogus");
  txt("_dmarc.example.org", "v=DMARC1; p=quarantine");
  host("sub.example.org");
  auto v = eval("a@sub.example.org");
  EXPECT_EQ(v.policy_domain, "example.org");  // the invalid record is no record
  txt("_dmarc.example.net", "v=DMARC1; p=bogus; rua=mailto:a@example.net");
  auto w = eval("a@example.net");
  EXPECT_EQ(w.result, DmarcResult::fail);
  EXPECT_TRUE(w.record->p_implied);
  EXPECT_EQ(w.applied, DmarcPolicy::none);
}

TEST_F(DmarcEval, LongNamesWalkAtMostEightNames) {
  const std::string from = "a.b.c.d.e.f.g.h.i.j.example.org";  // 12 labels
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  // 9 labels: skipped by the RFC's shortcut (after the From domain, 7 labels at most).
  txt("_dmarc.d.e.f.g.h.i.j.example.org", "v=DMARC1; p=none");
  host(from);
  auto v = eval("x@" + from);
  EXPECT_EQ(v.policy_domain, "example.org");
  EXPECT_EQ(v.applied, DmarcPolicy::reject);
  EXPECT_EQ(dns.queries("_dmarc." + from), 1);
  EXPECT_EQ(dns.queries("_dmarc.b.c.d.e.f.g.h.i.j.example.org"), 0);
  EXPECT_EQ(dns.queries("_dmarc.d.e.f.g.h.i.j.example.org"), 0);
  EXPECT_EQ(dns.queries("_dmarc.f.g.h.i.j.example.org"), 1);
  EXPECT_EQ(dns.queries("_dmarc.org"), 1);
  EXPECT_LE(v.dns_queries, kMaxTreeWalkQueries);
  auto targets = dmarc_walk_targets(from);
  ASSERT_EQ(targets.size(), 8u);
  EXPECT_EQ(targets[1], "f.g.h.i.j.example.org");
  EXPECT_EQ(targets[7], "org");
  EXPECT_EQ(dmarc_walk_targets("example.org"), (std::vector<std::string>{"example.org", "org"}));
  EXPECT_EQ(dmarc_walk_targets("org"), (std::vector<std::string>{"org"}));
  EXPECT_EQ(dmarc_walk_targets("a.b.c.d.e.f.g.h").size(), 8u);
  EXPECT_EQ(dmarc_walk_targets("a.b.c.d.e.f.g.h")[1], "b.c.d.e.f.g.h");
}

TEST_F(DmarcEval, DnsFailuresAreTemperrorNotNone) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  dns.set_behavior("_dmarc.example.org", DnsBehavior::drop);
  auto t = eval("a@example.org");
  EXPECT_EQ(t.result, DmarcResult::temperror) << t.reason;
  EXPECT_NE(t.reason.find("timeout"), std::string::npos) << t.reason;
  // The policy is unknown, so it may be reject: tempfail under enforce, unless told to accept.
  auto d = decide_dmarc_action(t, config);
  EXPECT_EQ(d.action, DmarcAction::tempfail);
  EXPECT_EQ(d.reply, "4.7.5 The DMARC policy of example.org could not be evaluated (DNS), try again later");
  DmarcConfig accepting = config;
  accepting.temperror_action = DmarcTemperrorAction::accept;
  EXPECT_EQ(decide_dmarc_action(t, accepting).action, DmarcAction::accept);
  DmarcConfig watching = config;
  watching.enforce = false;
  EXPECT_EQ(decide_dmarc_action(t, watching).action, DmarcAction::accept);
  // A failure at a parent after "no record" below is still temperror.
  host("sub.example.net");
  dns.set_behavior("_dmarc.example.net", DnsBehavior::servfail);
  auto s = eval("a@sub.example.net");
  EXPECT_EQ(s.result, DmarcResult::temperror) << s.reason;
}

TEST_F(DmarcEval, OrganizationalDomainFailureOnlyMattersWhenItDecides) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  dns.set_behavior("_dmarc.org", DnsBehavior::servfail);
  // An exact match needs no organizational domain.
  EXPECT_EQ(eval("a@example.org", "", "", {{"example.org", "pass"}}).result, DmarcResult::pass);
  auto v = eval("a@example.org", "", "", {{"mail.example.org", "pass"}});
  EXPECT_EQ(v.result, DmarcResult::temperror) << v.reason;
  EXPECT_EQ(v.applied, DmarcPolicy::none);
}

// DNS trouble in an SPF or DKIM result that would align (a key lookup cut by the message's DNS
// deadline, say) leaves DMARC unable to tell pass from fail: temperror, tempfailed under enforce
// unless the policy is known to be none. Trouble with an identifier that could never align
// changes nothing: still fail.
TEST_F(DmarcEval, TemperrorInAnIdentifierThatWouldAlignIsTemperror) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  auto dkim = eval("a@example.org", "evil.example", "pass", {{"example.org", "temperror"}});
  EXPECT_EQ(dkim.result, DmarcResult::temperror) << dkim.reason;
  EXPECT_EQ(dkim.reason,
            "alignment undecided: temporary error in an aligned SPF or DKIM identifier, record at "
            "_dmarc.example.org");
  EXPECT_EQ(decide_dmarc_action(dkim, config).action, DmarcAction::tempfail);
  auto spf = eval("a@example.org", "example.org", "temperror", {{"evil.example", "pass"}});
  EXPECT_EQ(spf.result, DmarcResult::temperror) << spf.reason;
  // Relaxed alignment: a subdomain's temperror would align too.
  EXPECT_EQ(eval("a@example.org", "", "", {{"mail.example.org", "temperror"}}).result,
            DmarcResult::temperror);
  // Strict DKIM alignment: a subdomain could never align.
  txt("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s");
  EXPECT_EQ(eval("a@strict.example", "", "", {{"mail.strict.example", "temperror"}}).result,
            DmarcResult::fail);
  // Another organization's temperror is no reason to hold back the verdict.
  auto other = eval("a@example.org", "", "", {{"evil.example", "temperror"}});
  EXPECT_EQ(other.result, DmarcResult::fail) << other.reason;
  EXPECT_EQ(decide_dmarc_action(other, config).action, DmarcAction::reject);
  // Any aligned pass still passes.
  EXPECT_EQ(eval("a@example.org", "example.org", "pass", {{"example.org", "temperror"}}).result,
            DmarcResult::pass);
  // p=none asks for nothing: accepted whatever temperror_action says.
  txt("_dmarc.relaxed.example", "v=DMARC1; p=none");
  auto none = eval("a@relaxed.example", "", "", {{"relaxed.example", "temperror"}});
  EXPECT_EQ(none.result, DmarcResult::temperror);
  EXPECT_EQ(decide_dmarc_action(none, config).action, DmarcAction::accept);
}

TEST_F(DmarcEval, ManySignaturesAreBoundedAndNeverMakeATemperror) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  std::vector<std::pair<std::string, std::string>> dkim;
  for (int i = 0; i < 30; ++i) {
    std::string d = "a" + std::to_string(i) + ".example.org";
    txt("_dmarc." + d, "v=DMARC1; p=none; psd=n");  // each its own organization: never aligned
    dkim.push_back({d, "pass"});
  }
  auto v = eval("a@example.org", "", "", dkim);
  EXPECT_EQ(v.result, DmarcResult::fail) << v.reason;
  EXPECT_EQ(v.alignment.size(), kMaxDkimChecks);
  EXPECT_EQ(v.alignment.back().detail, "organizational domain unknown (too many domains to walk)");
  // The author's walk (2 names) plus kMaxOrgWalks - 1 one-name walks.
  EXPECT_EQ(dns.total_queries(), static_cast<int>(2 + kMaxOrgWalks - 1));
}

TEST_F(DmarcEval, TestModeAppliesNothing) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject; t=y");
  txt("_dmarc.example.net", "v=DMARC1; p=reject; pct=0");
  txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50");
  auto v = eval("a@example.org");
  EXPECT_EQ(v.result, DmarcResult::fail);
  EXPECT_TRUE(v.testing);
  EXPECT_EQ(v.requested, DmarcPolicy::reject);
  EXPECT_EQ(v.applied, DmarcPolicy::none);
  EXPECT_EQ(v.evaluated_policy(), DmarcPolicy::none);
  EXPECT_EQ(eval("a@example.net").applied, DmarcPolicy::none);
  EXPECT_EQ(eval("a@example.com").applied, DmarcPolicy::reject);
}

TEST_F(DmarcEval, TrustedForwardersAndMailingListsNeverGetReject) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  txt("_dmarc.example.net", "v=DMARC1; p=quarantine");
  config.trusted_forwarders = {IpNetwork::parse("198.51.100.0/24").value(),
                               IpNetwork::parse("2001:db8:f::/48").value()};
  config.mailing_list_domains = {"lists.example.com"};
  auto fwd = eval("a@example.org", "", "", {}, IpAddress::parse("198.51.100.7").value());
  EXPECT_EQ(fwd.result, DmarcResult::fail);
  EXPECT_EQ(fwd.override_reason, DmarcOverride::forwarded);
  EXPECT_EQ(fwd.applied, DmarcPolicy::quarantine);
  EXPECT_EQ(decide_dmarc_action(fwd, config).action, DmarcAction::hold);
  auto fwd6 = eval("a@example.org", "", "", {}, IpAddress::parse("2001:db8:f:1::2").value());
  EXPECT_EQ(fwd6.override_reason, DmarcOverride::forwarded);
  auto other = eval("a@example.org", "", "", {}, IpAddress::parse("198.51.101.7").value());
  EXPECT_EQ(other.override_reason, DmarcOverride::none);
  EXPECT_EQ(other.applied, DmarcPolicy::reject);
  auto list = eval("a@example.org", "bounces.lists.example.com", "pass", {{"lists.example.com", "pass"}});
  EXPECT_EQ(list.override_reason, DmarcOverride::mailing_list);
  EXPECT_EQ(list.applied, DmarcPolicy::quarantine);
  // Only an authenticated list identity counts.
  auto forged = eval("a@example.org", "", "", {{"lists.example.com", "fail"}});
  EXPECT_EQ(forged.override_reason, DmarcOverride::none);
  EXPECT_EQ(forged.applied, DmarcPolicy::reject);
  EXPECT_EQ(eval("a@example.org", "", "", {{"notlists.example.com", "pass"}}).applied, DmarcPolicy::reject);
  // quarantine is left as it is.
  auto q = eval("a@example.net", "", "", {}, IpAddress::parse("198.51.100.7").value());
  EXPECT_EQ(q.applied, DmarcPolicy::quarantine);
  EXPECT_EQ(q.override_reason, DmarcOverride::none);
}

TEST_F(DmarcEval, AuthorErrorsNeverQueryDns) {
  txt("_dmarc.example.org", "v=DMARC1; p=none");
  DmarcEvaluator e(*resolver, config);
  DmarcInput two;
  two.from = parse_from_header({"a@example.org", "b@evil.example"});
  auto v = e.evaluate(two, Deadline::after(std::chrono::seconds(1)));
  EXPECT_EQ(v.result, DmarcResult::author_error);
  EXPECT_NE(v.reason.find("2 From: headers"), std::string::npos);
  for (const char* from : {"a@example.org, b@evil.example", "<a@evil.example>@example.org",
                           "a@example.org <b@evil.example>", "Alice <a@example.org"}) {
    auto w = eval(from);
    EXPECT_EQ(w.result, DmarcResult::author_error) << from;
    EXPECT_TRUE(w.author_domain.empty());
  }
  DmarcInput none;
  EXPECT_EQ(e.evaluate(none, Deadline::after(std::chrono::seconds(1))).result, DmarcResult::author_error);
  EXPECT_EQ(dns.total_queries(), 0);
  auto d = decide_dmarc_action(v, config);
  EXPECT_EQ(d.action, DmarcAction::reject);
  config.author_error_action = DmarcAuthorErrorAction::header;
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::header);
  EXPECT_EQ(decide_dmarc_action(v, config).disposition, "quarantine");
  config.enforce = false;
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::accept);
}

TEST_F(DmarcEval, UnusableAuthorDomainsArePermerror) {
  EXPECT_EQ(eval("a@[192.0.2.1]").result, DmarcResult::permerror);
  // Invalid IDNs: mixed Latin/Cyrillic label, invalid punycode.
  EXPECT_EQ(eval("a@ex\xd0\xb0mple.org").result, DmarcResult::permerror);
  EXPECT_EQ(eval("a@xn--bcher-kvb.example").result, DmarcResult::permerror);
  EXPECT_EQ(eval("a@" + std::string(64, 'x') + ".example").result, DmarcResult::permerror);
  EXPECT_EQ(dns.total_queries(), 0);
}

TEST_F(DmarcEval, IdnAuthorDomainIsLookedUpAsALabel) {
  txt("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject");
  auto v = eval(
      "a@b\xc3\xbc"
      "cher.example");
  EXPECT_EQ(v.author_domain, "xn--bcher-kva.example");
  EXPECT_EQ(v.result, DmarcResult::fail);
  EXPECT_EQ(eval("a@XN--BCHER-KVA.example", "xn--bcher-kva.example", "pass").result, DmarcResult::pass);
}

TEST_F(DmarcEval, AuthenticationResultsProperties) {
  txt("_dmarc.example.org", "v=DMARC1; p=reject");
  auto v = eval("a@example.org", "example.org", "pass");
  auto m = v.authres();
  EXPECT_EQ(m.method, "dmarc");
  EXPECT_EQ(m.result, AuthResult::pass);
  ASSERT_EQ(m.properties.size(), 2u);
  EXPECT_EQ(m.properties[0], (std::pair<std::string, std::string>{"header.from", "example.org"}));
  EXPECT_EQ(m.properties[1], (std::pair<std::string, std::string>{"policy.dmarc", "reject"}));
  auto header = authres::build_value("mx.example.net", {m});
  EXPECT_NE(header.find("dmarc=pass"), std::string::npos) << header;
  EXPECT_NE(header.find("header.from=example.org policy.dmarc=reject"), std::string::npos) << header;
  auto bad = eval("a@example.org, b@example.org");
  EXPECT_EQ(bad.authres().result, AuthResult::permerror);
  EXPECT_TRUE(bad.authres().properties.empty());
  EXPECT_EQ(eval("a@nosuch.example").authres().result, AuthResult::none);
}

TEST_F(DmarcEval, QuarantineActionsAndRecordOnly) {
  txt("_dmarc.example.org", "v=DMARC1; p=quarantine");
  auto v = eval("a@example.org");
  ASSERT_EQ(v.applied, DmarcPolicy::quarantine);
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::hold);
  config.quarantine_action = DmarcQuarantineAction::header;
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::header);
  config.quarantine_action = DmarcQuarantineAction::accept;
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::accept);
  EXPECT_EQ(decide_dmarc_action(v, config).disposition, "none");
  config.quarantine_action = DmarcQuarantineAction::hold;
  config.enforce = false;
  EXPECT_EQ(decide_dmarc_action(v, config).action, DmarcAction::accept);
}

}  // namespace
}  // namespace postern
