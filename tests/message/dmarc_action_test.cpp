// Every row of the DMARC action table in docs/milter.md ("What happens on fail"), the temperror
// rules under temperror_action, author errors under author_error_action, the local overrides, all
// with enforce on and off: the real DmarcEvaluator over an in-memory resolver, composed by
// decide_message as postern-milter runs it, without a daemon.
#include <gtest/gtest.h>

#include <chrono>

#include "common/message/message.h"
#include "tests/message/fake_resolver.h"

namespace postern {
namespace {

using namespace std::chrono_literals;

// A config value by its name in the file, as the config reader would set it.
template <class E, size_t N>
E named(std::string_view name, const Choice<E> (&table)[N]) {
  for (const auto& c : table) {
    if (c.name == name) return c.value;
  }
  ADD_FAILURE() << "no value named " << name;
  return table[0].value;
}

const char* kRejectText = "Message rejected by the DMARC policy of the sender's domain";

class DmarcTable : public ::testing::Test {
 protected:
  void SetUp() override {
    policy.authserv_id = "mx.example.org";
    facts.queue_id = "Q1";
    facts.client = "203.0.113.5";
    facts.client_ip = IpAddress::parse(facts.client).value();
    facts.envelope_from = "bob@example.net";
    facts.from = parse_from_header({"Bob <bob@example.net>"});
    SpfVerdict spf;
    spf.result = SpfResult::fail;
    spf.identity = SpfIdentity::mailfrom;
    spf.domain = "example.net";
    spf.sender = "bob@example.net";
    spf.reason = "not allowed";
    facts.spf = spf;
  }
  MessageDecision run() {
    DmarcEvaluator e(dns, policy.dmarc);
    return decide_message(facts, policy, &e, Deadline::after(10s));
  }
  void dkim(const std::string& d, DkimResult r) {
    if (!facts.dkim) facts.dkim = DkimVerification{};
    facts.dkim->signatures.push_back({r, "", d, "", "s", "rsa-sha256", "", 0});
  }

 public:
  static std::string log_value(const MessageDecision& d, const std::string& key) {
    for (const auto& [k, v] : d.log)
      if (k == key) return v;
    return "(absent)";
  }
  static bool has_edit(const MessageDecision& d, const std::string& name) {
    for (const auto& e : d.result.edits)
      if (e.name == name) return true;
    return false;
  }

 protected:
  test::FakeResolver dns;
  MessagePolicy policy;
  MessageFacts facts;
};

enum class Outcome { accept, reject, hold, header, tempfail };

struct Row {
  const char* record;
  bool enforce;
  const char* quarantine_action;
  Outcome outcome;
};

std::string name_of(Outcome o) {
  switch (o) {
    case Outcome::accept:
      return "accept";
    case Outcome::reject:
      return "reject";
    case Outcome::hold:
      return "hold";
    case Outcome::header:
      return "header";
    case Outcome::tempfail:
      return "tempfail";
  }
  return "";
}

// Checks what the message gets for `want`, and that the log's dmarc_action and action agree.
void expect_outcome(const MessageDecision& d, Outcome want, const std::string& dmarc_result) {
  const EomResult& r = d.result;
  SCOPED_TRACE(name_of(want));
  EXPECT_EQ(DmarcTable::log_value(d, "dmarc"), dmarc_result);
  EXPECT_EQ(DmarcTable::log_value(d, "dmarc_action"), name_of(want));
  ASSERT_FALSE(r.edits.empty());
  EXPECT_EQ(r.edits.back().name, "Authentication-Results");
  EXPECT_NE(r.edits.back().value.find(
                "dmarc=" + (dmarc_result == "author_error" ? std::string("permerror") : dmarc_result)),
            std::string::npos)
      << r.edits.back().value;
  switch (want) {
    case Outcome::accept:
    case Outcome::header:
      EXPECT_EQ(r.verdict.kind, Verdict::Kind::cont);
      EXPECT_EQ(r.quarantine, "");
      EXPECT_EQ(DmarcTable::has_edit(d, "X-Postern-DMARC"), want == Outcome::header);
      EXPECT_EQ(DmarcTable::log_value(d, "action"), "accept");
      break;
    case Outcome::reject:
      EXPECT_EQ(r.verdict.kind, Verdict::Kind::reject);
      EXPECT_EQ(r.verdict.rcode, "550");
      EXPECT_EQ(r.verdict.xcode, "5.7.1");
      EXPECT_EQ(r.verdict.text, kRejectText);
      EXPECT_EQ(DmarcTable::log_value(d, "action"), "reject");
      break;
    case Outcome::hold:
      EXPECT_EQ(r.verdict.kind, Verdict::Kind::cont);
      EXPECT_EQ(r.quarantine.rfind("DMARC policy of example.net: ", 0), 0u) << r.quarantine;
      EXPECT_FALSE(DmarcTable::has_edit(d, "X-Postern-DMARC"));
      EXPECT_EQ(DmarcTable::log_value(d, "action"), "hold");
      break;
    case Outcome::tempfail:
      EXPECT_EQ(r.verdict.kind, Verdict::Kind::tempfail);
      EXPECT_EQ(r.verdict.rcode, "451");
      EXPECT_EQ(r.verdict.xcode, "4.7.5");
      EXPECT_EQ(r.verdict.text,
                "The DMARC policy of example.net could not be evaluated (DNS), try again later");
      EXPECT_EQ(DmarcTable::log_value(d, "action"), "tempfail");
      break;
  }
}

class FailRow : public DmarcTable, public ::testing::WithParamInterface<Row> {};

TEST_P(FailRow, ActsAsTheTableSays) {
  const Row& row = GetParam();
  dns.txt("_dmarc.example.net", row.record);
  policy.dmarc.enforce = row.enforce;
  policy.dmarc.quarantine_action = named(row.quarantine_action, kDmarcQuarantineActions);
  auto d = run();
  ASSERT_TRUE(d.dmarc);
  EXPECT_EQ(d.dmarc->verdict.result, DmarcResult::fail) << d.dmarc->verdict.reason;
  expect_outcome(d, row.outcome, "fail");
  std::string disposition = row.outcome == Outcome::reject                                   ? "reject"
                            : row.outcome == Outcome::hold || row.outcome == Outcome::header ? "quarantine"
                                                                                             : "none";
  EXPECT_EQ(d.dmarc->decision.disposition, disposition);
}

INSTANTIATE_TEST_SUITE_P(Table, FailRow,
                         ::testing::Values(
                             // policy reject: 550 with reject_text when enforced, else accepted and recorded.
                             Row{"v=DMARC1; p=reject", true, "hold", Outcome::reject},
                             Row{"v=DMARC1; p=reject", false, "hold", Outcome::accept},
                             // policy quarantine: quarantine_action when enforced.
                             Row{"v=DMARC1; p=quarantine", true, "hold", Outcome::hold},
                             Row{"v=DMARC1; p=quarantine", true, "header", Outcome::header},
                             Row{"v=DMARC1; p=quarantine", true, "accept", Outcome::accept},
                             Row{"v=DMARC1; p=quarantine", false, "hold", Outcome::accept},
                             Row{"v=DMARC1; p=quarantine", false, "header", Outcome::accept},
                             Row{"v=DMARC1; p=quarantine", false, "accept", Outcome::accept},
                             // policy none: accepted either way.
                             Row{"v=DMARC1; p=none", true, "hold", Outcome::accept},
                             Row{"v=DMARC1; p=none", false, "hold", Outcome::accept},
                             // t=y: the policy is reported, not applied.
                             Row{"v=DMARC1; p=reject; t=y", true, "hold", Outcome::accept},
                             Row{"v=DMARC1; p=quarantine; t=y", true, "hold", Outcome::accept}),
                         [](const ::testing::TestParamInfo<Row>& i) {
                           return std::to_string(i.index) + "_" + (i.param.enforce ? "enforce_" : "record_") +
                                  i.param.quarantine_action + "_" + name_of(i.param.outcome);
                         });

TEST_F(DmarcTable, PassIsAcceptedUnderReject) {
  dns.txt("_dmarc.example.net", "v=DMARC1; p=reject");
  policy.dmarc.enforce = true;
  dkim("example.net", DkimResult::pass);
  auto d = run();
  expect_outcome(d, Outcome::accept, "pass");
}

TEST_F(DmarcTable, NoRecordIsAccepted) {
  policy.dmarc.enforce = true;
  expect_outcome(run(), Outcome::accept, "none");
}

struct TempRow {
  const char* record;  // "" : the record lookup fails (SERVFAIL)
  bool enforce;
  const char* temperror_action;
  Outcome outcome;
};

class TempRowTest : public DmarcTable, public ::testing::WithParamInterface<TempRow> {};

TEST_P(TempRowTest, ActsAsTheTextSays) {
  const TempRow& row = GetParam();
  if (*row.record) {
    dns.txt("_dmarc.example.net", row.record);
    dkim("example.net", DkimResult::temperror);  // would align: DMARC cannot tell pass from fail
  } else {
    dns.fail("_dmarc.example.net", DnsStatus::servfail);
  }
  policy.dmarc.enforce = row.enforce;
  policy.dmarc.temperror_action = named(row.temperror_action, kDmarcTemperrorActions);
  auto d = run();
  ASSERT_TRUE(d.dmarc);
  EXPECT_EQ(d.dmarc->verdict.result, DmarcResult::temperror) << d.dmarc->verdict.reason;
  expect_outcome(d, row.outcome, "temperror");
  EXPECT_EQ(d.dmarc->decision.action == DmarcAction::tempfail, row.outcome == Outcome::tempfail);
}

INSTANTIATE_TEST_SUITE_P(
    Temperror, TempRowTest,
    ::testing::Values(TempRow{"", true, "tempfail", Outcome::tempfail},
                      TempRow{"", true, "accept", Outcome::accept},
                      TempRow{"", false, "tempfail", Outcome::accept},
                      TempRow{"v=DMARC1; p=reject", true, "tempfail", Outcome::tempfail},
                      TempRow{"v=DMARC1; p=reject", true, "accept", Outcome::accept},
                      TempRow{"v=DMARC1; p=reject", false, "tempfail", Outcome::accept},
                      TempRow{"v=DMARC1; p=quarantine", true, "tempfail", Outcome::tempfail},
                      // A record known to ask for nothing: accepted either way.
                      TempRow{"v=DMARC1; p=none", true, "tempfail", Outcome::accept},
                      TempRow{"v=DMARC1; p=reject; t=y", true, "tempfail", Outcome::accept}),
    [](const ::testing::TestParamInfo<TempRow>& i) {
      return std::to_string(i.index) + "_" + (i.param.enforce ? "enforce_" : "record_") +
             i.param.temperror_action + "_" + name_of(i.param.outcome);
    });

struct AuthorRow {
  const char* action;
  bool enforce;
  Outcome outcome;
};

class AuthorRowTest : public DmarcTable, public ::testing::WithParamInterface<AuthorRow> {};

TEST_P(AuthorRowTest, TwoFromFieldsGetAuthorErrorAction) {
  const AuthorRow& row = GetParam();
  facts.from = parse_from_header({"bob@example.net", "alice@example.org"});
  policy.dmarc.enforce = row.enforce;
  policy.dmarc.author_error_action = named(row.action, kDmarcAuthorErrorActions);
  auto d = run();
  ASSERT_TRUE(d.dmarc);
  EXPECT_EQ(d.dmarc->verdict.result, DmarcResult::author_error);
  EXPECT_EQ(d.dmarc->verdict.reason, "2 From: headers, exactly one is allowed");
  EXPECT_EQ(dns.queries(), 0);
  if (row.outcome == Outcome::hold) {
    // No author domain to name: the reason says what is wrong.
    EXPECT_EQ(d.result.quarantine, "DMARC policy of : 2 From: headers, exactly one is allowed");
    EXPECT_EQ(log_value(d, "action"), "hold");
    EXPECT_EQ(log_value(d, "dmarc_action"), "hold");
  } else {
    expect_outcome(d, row.outcome, "author_error");
  }
}

INSTANTIATE_TEST_SUITE_P(
    AuthorError, AuthorRowTest,
    ::testing::Values(AuthorRow{"reject", true, Outcome::reject}, AuthorRow{"hold", true, Outcome::hold},
                      AuthorRow{"header", true, Outcome::header}, AuthorRow{"accept", true, Outcome::accept},
                      AuthorRow{"reject", false, Outcome::accept}, AuthorRow{"hold", false, Outcome::accept}),
    [](const ::testing::TestParamInfo<AuthorRow>& i) {
      return std::string(i.param.action) + (i.param.enforce ? "_enforce_" : "_record_") +
             name_of(i.param.outcome);
    });

TEST_F(DmarcTable, TrustedForwarderGetsQuarantineNotReject) {
  dns.txt("_dmarc.example.net", "v=DMARC1; p=reject");
  policy.dmarc.enforce = true;
  policy.dmarc.trusted_forwarders = {IpNetwork::parse("203.0.113.0/24").value()};
  auto d = run();
  EXPECT_EQ(d.dmarc->verdict.override_reason, DmarcOverride::forwarded);
  expect_outcome(d, Outcome::hold, "fail");
  policy.dmarc.quarantine_action = DmarcQuarantineAction::header;
  expect_outcome(run(), Outcome::header, "fail");
}

TEST_F(DmarcTable, MailingListGetsQuarantineNotReject) {
  dns.txt("_dmarc.example.net", "v=DMARC1; p=reject");
  policy.dmarc.enforce = true;
  policy.dmarc.quarantine_action = DmarcQuarantineAction::accept;
  policy.dmarc.mailing_list_domains = {"lists.example.com"};
  dkim("lists.example.com", DkimResult::pass);
  auto d = run();
  EXPECT_EQ(d.dmarc->verdict.override_reason, DmarcOverride::mailing_list);
  expect_outcome(d, Outcome::accept, "fail");
}

}  // namespace
}  // namespace postern
