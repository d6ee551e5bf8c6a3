// DKIM parsers and pure helpers: KeyTable and SigningTable files, signing patterns, canonical
// body lengths (checked against hand-computed RFC 6376 canonical forms), the message splitter
// (every split gives the same fields and body), private keys and DNS records, and the signing
// policy built from [dkim].
#include <gtest/gtest.h>

#include "common/config/config.h"
#include "common/dkim/body_length.h"
#include "common/dkim/canon.h"
#include "common/dkim/key_table.h"
#include "common/dkim/signing_policy.h"
#include "common/dkim/signing_table.h"
#include "tests/dkim/dkim_test_util.h"

namespace postern::test {
namespace {

TEST(KeyTable, ParsesOpenDkimLines) {
  auto r = parse_key_table(
      "# OpenDKIM KeyTable\n"
      "mail._domainkey.Example.COM  example.com:mail:/etc/keys/example.private\n"
      "\n"
      "default\t%:sel2024:/etc/keys/default.private   # trailing comment\r\n");
  EXPECT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].name, "mail._domainkey.example.com");
  EXPECT_EQ(r.entries[0].domain, "example.com");
  EXPECT_EQ(r.entries[0].selector, "mail");
  EXPECT_EQ(r.entries[0].key_file, "/etc/keys/example.private");
  EXPECT_EQ(r.entries[0].line, 2);
  EXPECT_EQ(r.entries[1].domain, "%");
  EXPECT_EQ(r.entries[1].line, 4);
}

TEST(KeyTable, ReportsBadLinesWithTheirNumbers) {
  auto r = parse_key_table(
      "a example.com:mail\n"                             // 1: no key file
      "b example.com:mail:relative/path\n"               // 2: relative
      "c exa mple.com:mail:/k\n"                         // 3: extra word
      "d bad_domain..com:mail:/k\n"                      // 4: empty label
      "e example.com::/k\n"                              // 5: empty selector
      "f example.com:mail:/k\n"                          // ok
      "F example.com:mail:/k2\n"                         // 7: duplicate name (case-insensitive)
      "g\n"                                              // 8: no value
      + std::string(kMaxKeyTableLine + 1, 'x') + "\n");  // 9: too long
  ASSERT_EQ(r.entries.size(), 1u);
  ASSERT_EQ(r.errors.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    int line = i < 5 ? i + 1 : i + 2;
    EXPECT_EQ(r.errors[i].rfind(std::to_string(line) + ":", 0), 0u) << r.errors[i];
  }
}

TEST(KeyTable, OversizedInputIsOneError) {
  std::string big(kMaxKeyTableBytes + 1, '#');
  auto r = parse_key_table(big);
  EXPECT_TRUE(r.entries.empty());
  EXPECT_EQ(r.errors.size(), 1u);
}

TEST(SigningTable, ParsesAndMatchesLikeRefile) {
  auto r = parse_signing_table(
      "*@Example.com   k1\n"
      "*@*.example.com k2  # subdomains\n"
      "boss@example.org boss\n"
      "example.net     net\n"
      "only-one-word\n"
      "a b c\n");
  ASSERT_EQ(r.entries.size(), 4u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].rfind("5:", 0), 0u);
  EXPECT_EQ(r.entries[0].pattern, "*@example.com");
  EXPECT_TRUE(signing_pattern_matches("*@example.com", "Alice@EXAMPLE.com"));
  EXPECT_FALSE(signing_pattern_matches("*@example.com", "alice@sub.example.com"));
  EXPECT_FALSE(signing_pattern_matches("*@example.com", "alice@example.com.evil"));
  EXPECT_TRUE(signing_pattern_matches("*@*.example.com", "alice@sub.example.com"));
  EXPECT_FALSE(signing_pattern_matches("*@*.example.com", "alice@example.com"));
  EXPECT_FALSE(signing_pattern_matches("*@*.example.com", "alice@evilexample.com"));
  EXPECT_TRUE(signing_pattern_matches("*.example.com", "alice@sub.example.com"));
  EXPECT_TRUE(signing_pattern_matches("boss@example.org", "Boss@example.org"));
  EXPECT_FALSE(signing_pattern_matches("boss@example.org", "boss2@example.org"));
  EXPECT_TRUE(signing_pattern_matches("example.net", "x@Example.NET"));
  EXPECT_FALSE(signing_pattern_matches("example.net", "x@sub.example.net"));
  EXPECT_TRUE(signing_pattern_matches("*", "anyone@anywhere"));
  EXPECT_TRUE(signing_pattern_matches("a*b*c", "abc"));
  EXPECT_FALSE(signing_pattern_matches("a*b*c", "acb"));
}

TEST(SigningTable, PatternLimits) {
  EXPECT_NE(signing_pattern_error(std::string(kMaxPatternLength + 1, 'a')), "");
  EXPECT_NE(signing_pattern_error("*a*a*a*a*a*a*a*a*a"), "");
  EXPECT_NE(signing_pattern_error("a\x01"), "");
  EXPECT_EQ(signing_pattern_error("*@example.com"), "");
  // Worst case for the matcher stays fast (no exponential backtracking).
  std::string addr(300, 'a');
  EXPECT_FALSE(signing_pattern_matches("*a*a*a*a*a*a*a*b", addr));
}

// Canonical body lengths, computed by hand from RFC 6376 3.4.3 / 3.4.4.
TEST(CanonicalBodyLength, SimpleAndRelaxedCornerCases) {
  struct Case {
    std::string body;
    uint64_t simple, relaxed;
  };
  const Case cases[] = {
      {"", 2, 0},              // empty body: CRLF (simple), nothing (relaxed)
      {"\r\n\r\n\r\n", 2, 0},  // only empty lines
      {"abc", 5, 5},           // no final CRLF: one is added
      {"abc\r\n", 5, 5},
      {"abc\r\n\r\n\r\n", 5, 5},  // trailing empty lines dropped
      {"a  b\t\tc \r\n", 10, 7},  // "a b c" (relaxed)
      {" \t\r\n", 4, 0},          // relaxed: a line of white space is empty
      {"x\r\n \r\n\t\r\n", 9, 3},
      {"a\r\n\r\nb\r\n", 8, 8},  // inner empty lines kept
      {"a\rb\r\n", 5, 5},        // bare CR is content
      {"a\nb\r\n", 5, 5},        // bare LF is content
      {"  lead\r\n", 8, 7},      // leading white space becomes one SP
      {"end\r", 6, 6},           // a CR at the very end is content
  };
  for (const auto& c : cases) {
    for (size_t chunk = 1; chunk <= c.body.size() + 1; ++chunk) {
      CanonicalBodyLength s(DkimCanon::simple), r(DkimCanon::relaxed);
      for (size_t i = 0; i < c.body.size(); i += chunk) {
        s.add(std::string_view(c.body).substr(i, chunk));
        r.add(std::string_view(c.body).substr(i, chunk));
      }
      EXPECT_EQ(s.length(), c.simple) << "simple " << testing::PrintToString(c.body) << " chunk " << chunk;
      EXPECT_EQ(r.length(), c.relaxed) << "relaxed " << testing::PrintToString(c.body) << " chunk " << chunk;
    }
  }
}

// The canonical bytes themselves, and their count equal to CanonicalBodyLength's, in any chunking.
TEST(BodyCanonicalizer, SimpleAndRelaxedBytes) {
  struct Case {
    std::string body, simple, relaxed;
  };
  const Case cases[] = {
      {"", "\r\n", ""},
      {"\r\n\r\n", "\r\n", ""},
      {"abc", "abc\r\n", "abc\r\n"},
      {"a  b\t\tc \r\n\r\n", "a  b\t\tc \r\n", "a b c\r\n"},
      {"x\r\n \r\n\t\r\ny\r\n\r\n", "x\r\n \r\n\t\r\ny\r\n", "x\r\n\r\n\r\ny\r\n"},
      {"  lead\r\n", "  lead\r\n", " lead\r\n"},
      {"a\rb\nc", "a\rb\nc\r\n", "a\rb\nc\r\n"},
      {std::string(40000, 'z') + "\r\n", std::string(40000, 'z') + "\r\n", std::string(40000, 'z') + "\r\n"},
  };
  for (const auto& c : cases) {
    for (size_t chunk : {size_t(1), size_t(2), size_t(3), size_t(7), c.body.size() + 1}) {
      for (auto canon : {DkimCanon::simple, DkimCanon::relaxed}) {
        std::string out;
        BodyCanonicalizer b(canon, [&](std::string_view s) { out.append(s); });
        CanonicalBodyLength len(canon);
        for (size_t i = 0; i < c.body.size(); i += chunk) {
          b.add(std::string_view(c.body).substr(i, chunk));
          len.add(std::string_view(c.body).substr(i, chunk));
        }
        b.finish();
        const std::string& want = canon == DkimCanon::simple ? c.simple : c.relaxed;
        EXPECT_EQ(out, want) << testing::PrintToString(c.body.substr(0, 40)) << " chunk " << chunk;
        EXPECT_EQ(b.written(), len.length());
      }
    }
  }
}

TEST(CanonicalHeader, SimpleKeepsBytesRelaxedNormalises) {
  EXPECT_EQ(canonical_header(DkimCanon::simple, "SubJect", " a  b \r\n\tc "), "SubJect: a  b \r\n\tc \r\n");
  EXPECT_EQ(canonical_header(DkimCanon::relaxed, "SubJect", " a  b \r\n\tc "), "subject:a b c\r\n");
  EXPECT_EQ(canonical_header(DkimCanon::relaxed, "X", ""), "x:\r\n");
  EXPECT_EQ(canonical_header(DkimCanon::relaxed, "X", " \t "), "x:\r\n");
}

struct Recorder final : MessageSink {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string text;
  int eoh = 0;
  void header(std::string_view n, std::string_view v) override { headers.emplace_back(n, v); }
  void end_of_headers() override { ++eoh; }
  void body(std::string_view c) override { text.append(c); }
};

TEST(MessageSplitter, EverySplitGivesTheSameFieldsAndBody) {
  const std::string msg = "From: a@b\nSubject: one\n two\r\nX-Empty:\n\nline1\nline2\r\n\n";
  Recorder whole;
  {
    MessageSplitter s(whole);
    ASSERT_TRUE(s.feed(msg));
    ASSERT_TRUE(s.finish());
  }
  ASSERT_EQ(whole.headers.size(), 3u);
  EXPECT_EQ(whole.headers[1].second, " one\r\n two");
  EXPECT_EQ(whole.headers[2].second, "");
  EXPECT_EQ(whole.text, "line1\r\nline2\r\n\r\n");
  EXPECT_EQ(whole.eoh, 1);
  for (size_t p = 0; p <= msg.size(); ++p) {
    for (size_t q = p; q <= msg.size(); ++q) {
      Recorder r;
      MessageSplitter s(r);
      ASSERT_TRUE(s.feed(msg.substr(0, p)));
      ASSERT_TRUE(s.feed(msg.substr(p, q - p)));
      ASSERT_TRUE(s.feed(msg.substr(q)));
      ASSERT_TRUE(s.finish());
      EXPECT_EQ(r.headers, whole.headers) << p << "," << q;
      EXPECT_EQ(r.text, whole.text) << p << "," << q;
    }
  }
}

TEST(MessageSplitter, RejectsMalformedHeadersAndKeepsLimits) {
  for (const char* bad :
       {"no colon here\n\nbody", " continuation first: x\n\n", ": empty name\n\n", "Bad Name: x\n\n"}) {
    Recorder r;
    MessageSplitter s(r);
    bool ok = s.feed(bad) && s.finish();
    EXPECT_FALSE(ok) << bad;
  }
  Recorder r;
  MessageSplitter s(r);
  std::string many;
  for (size_t i = 0; i <= kMaxHeaderFields; ++i) many += "X: y\n";
  EXPECT_FALSE(s.feed(many + "\n") && s.finish());
  Recorder r2;
  MessageSplitter s2(r2);
  EXPECT_FALSE(s2.feed("X: " + std::string(kMaxHeaderFieldBytes, 'y')));
  // Headers only, no blank line: fields and end of headers still come out.
  Recorder r3;
  MessageSplitter s3(r3);
  ASSERT_TRUE(s3.feed("A: 1\nB: 2"));
  ASSERT_TRUE(s3.finish());
  EXPECT_EQ(r3.headers.size(), 2u);
  EXPECT_EQ(r3.eoh, 1);
}

TEST(PrivateKey, RsaAndEd25519RoundTripAndRecords) {
  auto rsa = make_key(DkimKeyType::rsa, 2048);
  EXPECT_EQ(rsa.type, DkimKeyType::rsa);
  EXPECT_EQ(rsa.bits, 2048);
  EXPECT_EQ(rsa.dns_record().rfind("v=DKIM1; k=rsa; p=MII", 0), 0u);
  auto ed = make_key(DkimKeyType::ed25519);
  EXPECT_EQ(ed.type, DkimKeyType::ed25519);
  EXPECT_EQ(ed.public_b64.size(), 44u);
  // The RFC 8463 base64-seed form gives the same key.
  auto seed = parse_dkim_private_key(ed25519_seed_b64(ed) + "\n");
  ASSERT_TRUE(seed) << seed.error().message;
  EXPECT_EQ(seed->public_b64, ed.public_b64);
  // RFC 8463 A.2: this seed has this public key.
  auto rfc = parse_dkim_private_key("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=");
  ASSERT_TRUE(rfc);
  EXPECT_EQ(rfc->public_b64, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  EXPECT_FALSE(parse_dkim_private_key("garbage"));
  EXPECT_FALSE(parse_dkim_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(generate_dkim_private_key_pem(DkimKeyType::rsa, 512));
}

TEST(PrivateKey, TxtStringsAreAtMost255Bytes) {
  auto rsa = make_key(DkimKeyType::rsa, 2048);
  auto parts = split_txt_strings(rsa.dns_record());
  ASSERT_GT(parts.size(), 1u);
  std::string joined;
  for (const auto& p : parts) {
    EXPECT_LE(p.size(), 255u);
    joined += p;
  }
  EXPECT_EQ(joined, rsa.dns_record());
  std::string zone = dkim_zone_line("s1", "example.com", rsa.dns_record());
  EXPECT_EQ(zone.rfind("s1._domainkey.example.com. IN TXT ( \"v=DKIM1; k=rsa; p=", 0), 0u) << zone;
}

TEST(SigningPolicy, InlineKeysAndOpenDkimTables) {
  TempDir dir("dkim-policy");
  auto rsa_pem = *generate_dkim_private_key_pem(DkimKeyType::rsa, 1024);
  auto ed_pem = *generate_dkim_private_key_pem(DkimKeyType::ed25519, 0);
  dir.write("rsa.key", rsa_pem);
  dir.write("ed.key", ed_pem);
  dir.write("KeyTable", "k-org example.org:org2026:" + (dir / "rsa.key").string() +
                            "\nk-any %:any:" + (dir / "ed.key").string() + "\n");
  dir.write("SigningTable", "*@example.org k-org\n*@*.example.org k-org\n* k-any\n");
  std::string conf = "[dkim]\nkey_table = \"" + (dir / "KeyTable").string() + "\"\nsigning_table = \"" +
                     (dir / "SigningTable").string() +
                     "\"\n[[dkim.key]]\ndomain = \"example.com\"\nselector = \"rsa\"\nkey_file = \"" +
                     (dir / "rsa.key").string() +
                     "\"\n[[dkim.key]]\ndomain = \"example.com\"\nselector = \"ed\"\n" + "key_file = \"" +
                     (dir / "ed.key").string() + "\"\n";
  auto load = parse_config(conf, "test.conf");
  ASSERT_TRUE(load.ok()) << load.errors[0].str();
  auto policy = DkimSigningPolicy::load(load.config.dkim);
  ASSERT_TRUE(policy) << policy.error().message;

  auto plans = policy->plans_for("alice@Example.com");
  ASSERT_EQ(plans.size(), 3u);  // both inline keys, then the table's catch-all with the From domain
  EXPECT_EQ(plans[0].selector, "rsa");
  EXPECT_EQ(plans[1].selector, "ed");
  EXPECT_EQ(plans[2].domain, "example.com");
  EXPECT_EQ(plans[2].selector, "any");
  plans = policy->plans_for("bob@sub.example.org");
  ASSERT_EQ(plans.size(), 1u) << "first matching line only";
  EXPECT_EQ(plans[0].domain, "example.org");
  EXPECT_EQ(plans[0].selector, "org2026");
  EXPECT_TRUE(policy->plans_for("no-domain").empty());
  EXPECT_TRUE(policy->plans_for("x@").empty());

  auto multi = load.config.dkim;
  multi.multiple_signatures = true;
  auto p2 = DkimSigningPolicy::load(multi);
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2->plans_for("bob@example.org").size(), 2u);

  EXPECT_TRUE(policy->internal_client(*IpAddress::parse("127.0.0.1")));
  EXPECT_FALSE(policy->internal_client(*IpAddress::parse("192.0.2.1")));
}

TEST(SigningPolicy, BadFilesAreErrorsNamingThem) {
  TempDir dir("dkim-policy-bad");
  dir.write("bad.key", "not a key");
  dir.write("KeyTable", "k example.org:s:/nonexistent/key\nbroken line\n");
  dir.write("SigningTable", "*@example.org unknown-key\n");
  DkimConfig c;
  c.keys.push_back({"example.com", "s", (dir / "bad.key").string(), {}});
  c.key_table = (dir / "KeyTable").string();
  c.signing_table = (dir / "SigningTable").string();
  auto p = DkimSigningPolicy::load(c);
  ASSERT_FALSE(p);
  const auto& m = p.error().message;
  EXPECT_NE(m.find("bad.key"), std::string::npos) << m;
  EXPECT_NE(m.find("/nonexistent/key"), std::string::npos) << m;
  EXPECT_NE(m.find("KeyTable:2"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown-key"), std::string::npos) << m;
}

TEST(DkimConfig, DefaultsAndValidation) {
  auto d = parse_config("", "empty.conf");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.config.dkim.enabled);
  EXPECT_EQ(d.config.dkim.max_signatures, 10);
  EXPECT_EQ(d.config.dkim.min_key_bits, 1024);
  EXPECT_FALSE(d.config.dkim.allow_rsa_sha1);
  EXPECT_EQ(d.config.dkim.body_length_tag, DkimBodyLengthTag::policy);
  auto o = dkim_options(d.config.dkim);
  EXPECT_EQ(o.header_canon, DkimCanon::relaxed);
  EXPECT_EQ(o.body_canon, DkimCanon::relaxed);
  EXPECT_EQ(o.expire.count(), 0);
  for (const char* bad :
       {"[dkim]\nsign_headers = [\"Subject\"]\n", "[dkim]\ncanonicalization = \"relaxed\"\n",
        "[dkim]\nkey_table = \"relative\"\nsigning_table = \"/x\"\n", "[dkim]\nkey_table = \"/x\"\n",
        "[dkim]\ninternal_networks = [\"nonsense\"]\n",
        "[[dkim.key]]\ndomain = \"example.com\"\nselector = \"s\"\n",
        "[[dkim.key]]\ndomain = \"bad domain\"\nselector = \"s\"\nkey_file = \"/k\"\n",
        "[dkim]\nmax_signatures = 0\n", "[dkim]\nbody_length_tag = \"yes\"\n", "[dkim]\nunknown = 1\n"}) {
    EXPECT_FALSE(parse_config(bad, "bad.conf").ok()) << bad;
  }
  auto s = parse_config("[dkim]\ncanonicalization = \"simple/relaxed\"\nexpire = \"7d\"\n", "x.conf");
  ASSERT_TRUE(s.ok());
  o = dkim_options(s.config.dkim);
  EXPECT_EQ(o.header_canon, DkimCanon::simple);
  EXPECT_EQ(o.body_canon, DkimCanon::relaxed);
  EXPECT_EQ(o.expire.count(), 7 * 86400);
}

}  // namespace
}  // namespace postern::test
