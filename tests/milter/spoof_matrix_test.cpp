// The sender-spoofing matrix, table-driven, run twice against the real postern-milter binary:
// (1) replayed through the milter protocol by the milter client library (tools/milterclient) with
// the {auth_authen} macro of an authenticated login, and (2) end to end through a real Postfix
// submission port whose SASL authentication goes through a real Dovecot. One milter, one test DNS
// server (holding the DKIM keys), one Dovecot and one Postfix serve the whole suite; each case is
// one milter connection or one SMTP transaction.
// The login is alice@example.org. She owns her address (and +tags), sales@example.org through the
// text login map, alice@bücher.example through a U-label key of that map, and team@example.org
// through a Mail-in-a-Box SQLite alias whose permitted_senders lists her (billing@example.org only
// lists her as destination: not hers). Forged cases must get 553 5.7.1 at MAIL FROM or 550 5.7.1
// at the end of the headers with a text naming the address; allowed cases must be accepted with a
// DKIM signature that posternctl dkim verify passes against the published key. A change of the
// SQLite database is picked up without restart (the text map's: sender_e2e_test.cpp).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "tests/harness/milter_stack.h"
#include "tests/harness/net.h"
#include "tools/milterclient/session.h"

namespace postern::test {
namespace {

enum class Expect { accept, reject_mail, reject_headers };

struct SpoofCase {
  const char* name;
  const char* envelope;  // MAIL FROM address without brackets; "" is the null sender
  const char* headers;   // the sender fields, LF-terminated (To/Subject/Date are added)
  Expect expect;
  const char* reply_has;  // a fragment the reply text must contain (the address it names)
};

constexpr Expect A = Expect::accept, M = Expect::reject_mail, H = Expect::reject_headers;

// Case names become test names: letters, digits and '_' only.
const SpoofCase kCases[] = {
    // Allowed: each must be accepted and signed.
    {"own_address", "alice@example.org", "From: Alice <alice@example.org>\n", A, ""},
    {"domain_case", "alice@EXAMPLE.ORG", "From: alice@Example.Org\n", A, ""},
    {"plus_address", "alice+lists@example.org", "From: alice+lists@example.org\n", A, ""},
    {"text_map_alias", "sales@example.org", "From: Sales <sales@example.org>\n", A, ""},
    {"sqlite_alias", "team@example.org", "From: Team <team@example.org>\n", A, ""},
    {"alias_envelope_own_from", "sales@example.org", "From: alice@example.org\n", A, ""},
    {"alias_from_own_sender", "alice@example.org", "From: sales@example.org\nSender: alice@example.org\n", A,
     ""},
    {"quoted_own_local_part", "alice@example.org", "From: \"alice\"@example.org\n", A, ""},
    {"comment_after_own", "alice@example.org", "From: alice@example.org (Alice Liddell)\n", A, ""},
    {"encoded_word_name", "alice@example.org", "From: =?UTF-8?B?QWxpY2Ugw4RiZXJn?= <alice@example.org>\n", A,
     ""},
    {"idn_u_label", "alice@example.org",
     "From: Alice <alice@b\xc3\xbc"
     "cher.example>\n",
     A, ""},
    {"idn_a_label", "alice@xn--bcher-kva.example", "From: alice@xn--bcher-kva.example\n", A, ""},
    {"idn_a_label_upper_case", "alice@XN--BCHER-KVA.example", "From: alice@XN--BCHER-KVA.EXAMPLE\n", A, ""},
    // Envelope (MAIL FROM): 553 5.7.1 naming the address.
    {"env_foreign", "ceo@example.org", "From: alice@example.org\n", M, "<ceo@example.org>"},
    {"env_local_part_case", "Alice@example.org", "From: alice@example.org\n", M, "<Alice@example.org>"},
    {"env_foreign_plus", "ceo+alice@example.org", "From: alice@example.org\n", M, "<ceo+alice@example.org>"},
    {"env_null_sender", "", "From: alice@example.org\n", M, "null sender"},
    {"env_subdomain", "alice@mail.example.org", "From: alice@example.org\n", M, "<alice@mail.example.org>"},
    {"env_suffix", "alice@example.org.evil.test", "From: alice@example.org\n", M,
     "<alice@example.org.evil.test>"},
    {"env_sqlite_destination_only", "billing@example.org", "From: alice@example.org\n", M,
     "<billing@example.org>"},
    // Cyrillic 'е' in "bücher": a mixed-script label, here as its A-label.
    {"env_idn_mixed_script_a_label", "alice@xn--bchr-0ra660c.example", "From: alice@example.org\n", M,
     "<alice@xn--bchr-0ra660c.example>"},
    {"env_idn_invalid_punycode", "alice@xn--bcher-kvb.example", "From: alice@example.org\n", M,
     "<alice@xn--bcher-kvb.example>"},
    // Headers: 550 5.7.1 at the end of the headers.
    {"from_foreign", "alice@example.org", "From: ceo@example.org\n", H, "<ceo@example.org>"},
    {"from_local_part_case", "alice@example.org", "From: Alice@example.org\n", H, "<Alice@example.org>"},
    {"from_quoted_local_part_case", "alice@example.org", "From: \"Alice\"@example.org\n", H,
     "<Alice@example.org>"},
    {"from_foreign_plus", "alice@example.org", "From: ceo+alice@example.org\n", H, "<ceo+alice@example.org>"},
    {"display_name_quoted_own", "alice@example.org", "From: \"alice@example.org\" <ceo@example.org>\n", H,
     "<ceo@example.org>"},
    {"display_name_unquoted_own", "alice@example.org", "From: alice@example.org <ceo@example.org>\n", H,
     "cannot be read unambiguously"},
    {"encoded_word_own_in_name", "alice@example.org",
     "From: =?UTF-8?B?YWxpY2VAZXhhbXBsZS5vcmc=?= <ceo@example.org>\n", H, "<ceo@example.org>"},
    {"encoded_word_as_local_part", "alice@example.org", "From: =?UTF-8?Q?alice?=@example.org\n", H,
     "<=?UTF-8?Q?alice?=@example.org>"},
    {"comment_holds_own", "alice@example.org", "From: ceo@example.org (alice@example.org)\n", H,
     "<ceo@example.org>"},
    {"quoted_local_part_with_at", "alice@example.org", "From: \"alice@example.org\"@evil.example\n", H,
     "<alice@example.org@evil.example>"},
    {"composition_angle_then_domain", "alice@example.org", "From: <ceo@example.org>@example.org\n", H,
     "cannot be read unambiguously"},
    {"route_to_foreign", "alice@example.org", "From: <@example.org:ceo@evil.example>\n", H,
     "<ceo@evil.example>"},
    {"two_from_fields", "alice@example.org", "From: alice@example.org\nFrom: ceo@example.org\n", H,
     "Exactly one From header"},
    {"two_own_from_fields", "alice@example.org", "From: alice@example.org\nFrom: alice@example.org\n", H,
     "Exactly one From header"},
    {"address_list_with_foreign", "alice@example.org", "From: alice@example.org, ceo@example.org\n", H,
     "<ceo@example.org>"},
    {"own_from_foreign_sender", "alice@example.org", "From: alice@example.org\nSender: ceo@example.org\n", H,
     "Sender address <ceo@example.org>"},
    {"foreign_from_own_sender", "alice@example.org", "From: ceo@example.org\nSender: alice@example.org\n", H,
     "From address <ceo@example.org>"},
    {"two_sender_fields", "alice@example.org",
     "From: alice@example.org\nSender: alice@example.org\nSender: alice@example.org\n", H,
     "At most one Sender header"},
    {"group_with_foreign_member", "alice@example.org", "From: Team: alice@example.org, ceo@example.org;\n", H,
     "<ceo@example.org>"},
    {"empty_group", "alice@example.org", "From: undisclosed-recipients:;\n", H, "has no address"},
    {"empty_from", "alice@example.org", "From: \n", H, "has no address"},
    {"no_from", "alice@example.org", "Reply-To: alice@example.org\n", H, "Exactly one From header"},
    {"sqlite_destination_only", "alice@example.org", "From: billing@example.org\n", H,
     "<billing@example.org>"},
    {"idn_no_diacritic", "alice@example.org", "From: alice@bucher.example\n", H, "<alice@bucher.example>"},
    {"idn_mixed_script_u_label", "alice@example.org",
     "From: alice@b\xc3\xbc"
     "ch\xd0\xb5r.example\n",
     H, "<alice@b??ch??r.example>"},
    {"idn_mixed_script_a_label", "alice@example.org", "From: alice@xn--bchr-0ra660c.example\n", H,
     "<alice@xn--bchr-0ra660c.example>"},
    {"idn_invalid_punycode", "alice@example.org", "From: alice@xn--bcher-kvb.example\n", H,
     "<alice@xn--bcher-kvb.example>"},
    {"idn_full_width_letter", "alice@example.org",
     "From: alice@b\xef\xbd\x95"
     "cher.example\n",
     H, "<alice@b???cher.example>"},
    {"cyrillic_a_in_local_part", "alice@example.org", "From: \xd0\xb0lice@example.org\n", H,
     "<??lice@example.org>"},
    // All-Cyrillic "аррӏе": a valid name, not ours; the reply shows its A-label.
    {"cyrillic_whole_script_domain", "alice@example.org",
     "From: alice@\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.example\n", H, "<alice@xn--80ak6aa92e.example>"},
};

std::string crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' && (out.empty() || out.back() != '\r')) out += '\r';
    out += c;
  }
  return out;
}

std::string message_for(const SpoofCase& c) {
  return std::string(c.headers) + "To: bob@example.org\nSubject: matrix " + c.name +
         "\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <" + c.name +
         "@client.test>\n\nA message for the spoofing matrix.\n";
}

void sql(sqlite3* db, const std::string& statement) {
  char* err = nullptr;
  if (sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + e);
  }
}

class SpoofMatrix : public ::testing::TestWithParam<SpoofCase> {
 protected:
  // A failure to start the servers fails every test (an exception escaping SetUpTestSuite would
  // only make GoogleTest skip them, which ctest counts as passed).
  // Started once for both instantiations and the reload test; stopped by ServersEnvironment.
  static void SetUpTestSuite() {
    if (started_) return;
    started_ = true;
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << "test servers did not start: " << setup_error_;
  }
  static MilterStackOptions options() {
    MilterStackOptions o;
    o.milter = MILTER;
    o.dir_prefix = "postern-spoof-matrix";
    o.dkim_keys = {"example.org", "xn--bcher-kva.example"};
    o.signing_domains = o.dkim_keys;
    o.files = {{"senders",
                "sales@example.org          alice@example.org\n"
                "alice@b\xc3\xbc"
                "cher.example     alice@example.org\n"}};
    o.prepare = [](const std::filesystem::path& dir) {
      const std::string db_path = (dir / "users.sqlite").string();
      sqlite3* db = nullptr;
      if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK)
        throw std::runtime_error("cannot create " + db_path);
      try {
        sql(db,
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,"
            " extra, privileges TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE aliases (id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE, destination TEXT NOT "
            "NULL, permitted_senders TEXT);"
            "INSERT INTO users (email, password) VALUES ('alice@example.org', 'x'), ('bob@example.org', 'x'),"
            " ('ceo@example.org', 'x');"
            "INSERT INTO aliases (source, destination, permitted_senders) VALUES"
            " ('team@example.org', 'bob@example.org', 'alice@example.org'),"
            " ('billing@example.org', 'alice@example.org', 'bob@example.org');");
      } catch (...) {
        sqlite3_close(db);
        throw;
      }
      sqlite3_close(db);
      chmod(db_path.c_str(), 0644);
    };
    o.sections =
        "[sender]\nmode = \"enforce\"\nlogin_maps = [\"@DIR@/senders\"]\nsqlite_path = "
        "\"@DIR@/users.sqlite\"\n"
        "[dkim]\ninternal_networks = []\n";
    o.users = {{"alice@example.org", "alice-pass"}};
    o.mailboxes = {"alice@example.org", "bob@example.org"};
    return o;
  }
  static void start() { stack_ = new MilterStack(options()); }

 public:
  static void stop() {
    delete stack_;
    stack_ = nullptr;
  }

 protected:
  // posternctl's verdict on the DKIM signatures of a message: its first output line.
  static std::string verify(const std::string& name, const std::string& message) {
    auto file = stack_->dir().write("verify-" + name + ".eml", message);
    auto r = run_command({POSTERNCTL, "--dns", stack_->dns().address(), "dkim", "verify", file.string()});
    return r.output.substr(0, r.output.find('\n'));
  }

  // Replays one message as alice through the milter protocol.
  static Result<mta::Verdict> replay(const std::string& envelope, const std::string& message) {
    mta::ClientOptions o;
    o.milter = *parse_socket_spec("unix:" + stack_->socket());
    auto c = mta::Connection::open(o);
    if (!c) return c.error();
    mta::Envelope e;
    e.client_ip = "192.0.2.10";
    e.client_name = "client.test";
    e.helo = "client.test";
    e.from = envelope;
    e.rcpts = {"bob@example.org"};
    e.macros[mta::cmd::mail] = {
        {"{auth_authen}", "alice@example.org"}, {"{auth_type}", "PLAIN"}, {"i", "4Q1"}};
    auto m = mta::parse_message(crlf(message));
    if (!m) return m.error();
    auto v = (*c)->run(e, *m);
    (*c)->quit();
    return v;
  }

  static inline bool started_ = false;
  static inline std::string setup_error_;
  static inline MilterStack* stack_ = nullptr;
};

class ServersEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { SpoofMatrix::stop(); }
};
const ::testing::Environment* const kServers = ::testing::AddGlobalTestEnvironment(new ServersEnvironment);

TEST_P(SpoofMatrix, ThroughTheMilterProtocol) {
  const SpoofCase& c = GetParam();
  std::string message = message_for(c);
  auto v = replay(c.envelope, message);
  ASSERT_TRUE(v) << v.error().message << stack_->milter().output();
  if (c.expect == Expect::accept) {
    ASSERT_EQ(v->action, mta::Action::accept) << v->stage << ": " << v->reply;
    std::string signature;
    for (const auto& mod : v->modifications) {
      if (mod.name == "DKIM-Signature") signature = mod.value;
    }
    ASSERT_FALSE(signature.empty()) << "accepted but not signed\n" << stack_->milter().output();
    if (signature.front() != ' ') signature.insert(0, " ");
    EXPECT_EQ(verify(c.name, crlf("DKIM-Signature:" + signature + "\n" + message)), "pass") << signature;
    return;
  }
  EXPECT_EQ(v->action, mta::Action::reject) << v->stage << ": " << v->reply;
  if (c.expect == Expect::reject_mail) {
    EXPECT_EQ(v->stage, "mail");
    EXPECT_EQ(v->reply.substr(0, 10), "553 5.7.1 ") << v->reply;
  } else {
    EXPECT_EQ(v->stage, "eoh");
    EXPECT_EQ(v->reply.substr(0, 10), "550 5.7.1 ") << v->reply;
  }
  EXPECT_NE(v->reply.find(c.reply_has), std::string::npos) << v->reply;
}

TEST_P(SpoofMatrix, ThroughPostfixSubmissionWithDovecotSasl) {
  const SpoofCase& c = GetParam();
  SmtpSend s;
  s.port = stack_->postfix().submission_port();
  s.user = "alice@example.org";
  s.password = "alice-pass";
  s.from = c.envelope;
  s.to = {"bob@example.org"};
  s.message = message_for(c);
  auto r = smtp_send(s);
  if (c.expect == Expect::accept) {
    ASSERT_EQ(r.code, 250) << r.text;
    std::string subject = std::string("Subject: matrix ") + c.name + "\n";
    std::string delivered;
    bool arrived = wait_until(
        [&] {
          for (const auto& m : stack_->postfix().messages("bob@example.org")) {
            if (m.find(subject) != std::string::npos) delivered = m;
          }
          return !delivered.empty();
        },
        std::chrono::seconds(20));
    ASSERT_TRUE(arrived) << stack_->postfix().maillog() << stack_->milter().output();
    EXPECT_NE(delivered.find("DKIM-Signature:"), std::string::npos) << delivered;
    EXPECT_EQ(verify(std::string("delivered-") + c.name, delivered), "pass") << delivered;
    return;
  }
  EXPECT_EQ(r.code, c.expect == Expect::reject_mail ? 553 : 550) << r.text;
  EXPECT_TRUE(r.has("5.7.1")) << r.text;
  EXPECT_TRUE(r.has(c.reply_has)) << r.text;
}

INSTANTIATE_TEST_SUITE_P(Cases, SpoofMatrix, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

// The SQLite source is read again when it changes: an alias granted to alice while the milter runs
// is hers from then on, and no longer once it is removed.
TEST_F(SpoofMatrix, SqliteChangeIsPickedUpWithoutRestart) {
  const SpoofCase granted{"sqlite_change", "press@example.org", "From: press@example.org\n", A, ""};
  auto before = replay(granted.envelope, message_for(granted));
  ASSERT_TRUE(before);
  EXPECT_EQ(before->reply.substr(0, 3), "553") << before->reply;
  auto change = [&](const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((stack_->dir().path() / "users.sqlite").c_str(), &db), SQLITE_OK);
    sql(db, statement);
    sqlite3_close(db);
  };
  change(
      "INSERT INTO aliases (source, destination, permitted_senders) VALUES ('press@example.org', "
      "'bob@example.org', 'alice@example.org');");
  mta::Verdict after;
  EXPECT_TRUE(wait_until(
      [&] {
        auto v = replay(granted.envelope, message_for(granted));
        if (v) after = *v;
        return v && v->action == mta::Action::accept;
      },
      std::chrono::seconds(15)))
      << after.reply << stack_->milter().output();
  change("DELETE FROM aliases WHERE source = 'press@example.org';");
  EXPECT_TRUE(wait_until(
      [&] {
        auto v = replay(granted.envelope, message_for(granted));
        return v && v->action == mta::Action::reject;
      },
      std::chrono::seconds(15)))
      << stack_->milter().output();
}

}  // namespace
}  // namespace postern::test
