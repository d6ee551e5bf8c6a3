// DkimEngine: signing and verifying through libopendkim with keys from an in-memory resolver or a
// real DNS server on loopback: round trips for rsa-sha256 and ed25519-sha256 in every
// canonicalisation, every split of the message giving the same signature and verdict, tampering,
// key lookup failures (NXDOMAIN, SERVFAIL, timeout), the signature bound, expiry with the fake
// clock, oversigning, several signatures per message, and the RFC 8463 example message.
#include <gtest/gtest.h>

#include "common/dns/dns_config.h"
#include "common/dns/factory.h"
#include "tests/dkim/dkim_test_util.h"
#include "tests/harness/dns_server.h"

namespace postern::test {
namespace {

struct Keys {
  std::shared_ptr<const DkimPrivateKey> rsa =
      std::make_shared<DkimPrivateKey>(make_key(DkimKeyType::rsa, 2048));
  std::shared_ptr<const DkimPrivateKey> ed = std::make_shared<DkimPrivateKey>(make_key(DkimKeyType::ed25519));
};

const Keys& keys() {
  static const Keys k;
  return k;
}

class DkimEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dns.add_txt("rsa._domainkey.example.com", keys().rsa->dns_record());
    dns.add_txt("ed._domainkey.example.com", keys().ed->dns_record());
  }
  DkimSignPlan rsa_plan() const { return {"example.com", "rsa", keys().rsa, ""}; }
  DkimSignPlan ed_plan() const { return {"example.com", "ed", keys().ed, ""}; }

  MapResolver dns;
  FakeClock clock;
};

TEST_F(DkimEngineTest, SupportsEd25519) {
  DkimEngine e({}, dns, clock);
  EXPECT_TRUE(e.supports_ed25519()) << "Debian's libopendkim 2.11 is built with ed25519";
}

TEST_F(DkimEngineTest, RoundTripEveryAlgorithmAndCanonicalisation) {
  for (auto hc : {DkimCanon::simple, DkimCanon::relaxed}) {
    for (auto bc : {DkimCanon::simple, DkimCanon::relaxed}) {
      DkimOptions o;
      o.header_canon = hc;
      o.body_canon = bc;
      DkimEngine e(o, dns, clock);
      for (const auto& plan : {rsa_plan(), ed_plan()}) {
        std::string signed_msg = sign_message(e, {plan}, kTestMessage) + kTestMessage;
        auto v = verify_message(e, signed_msg);
        ASSERT_EQ(v.signatures.size(), 1u);
        const auto& s = v.signatures[0];
        EXPECT_EQ(s.result, DkimResult::pass)
            << s.reason << "\n"
            << to_string(plan.key->type) << " " << int(hc) << "/" << int(bc) << "\n"
            << signed_msg;
        EXPECT_EQ(v.overall, DkimResult::pass);
        EXPECT_EQ(s.domain, "example.com");
        EXPECT_EQ(s.selector, plan.selector);
        EXPECT_EQ(s.algorithm, signing_algorithm(plan.key->type));
        std::string c = std::string(hc == DkimCanon::simple ? "simple" : "relaxed") + "/" +
                        (bc == DkimCanon::simple ? "simple" : "relaxed");
        EXPECT_NE(signed_msg.find("c=" + c), std::string::npos) << signed_msg;
        EXPECT_EQ(signed_msg.find(" l="), std::string::npos) << "no l= by default";
        EXPECT_EQ(signed_msg.find("; x="), std::string::npos) << "no x= by default";
        EXPECT_NE(signed_msg.find("t=" + std::to_string(clock.unix_seconds())), std::string::npos);
        EXPECT_EQ(s.b.size(), 16u);
      }
    }
  }
}

TEST_F(DkimEngineTest, EverySplitGivesTheSameSignatureAndVerdict) {
  DkimEngine e({}, dns, clock);
  const std::string msg = kTestMessage;
  for (const auto& plan : {rsa_plan(), ed_plan()}) {
    const std::string whole = sign_message(e, {plan}, msg);
    for (size_t p = 0; p <= msg.size(); ++p) {
      auto s = e.sign({plan}, "split");
      ASSERT_TRUE(s);
      SessionSink<DkimSignSession> sink(**s);
      MessageSplitter split(sink);
      ASSERT_TRUE(split.feed(std::string_view(msg).substr(0, p)));
      ASSERT_TRUE(split.feed(std::string_view(msg).substr(p)));
      ASSERT_TRUE(split.finish());
      auto sigs = (*s)->finish();
      ASSERT_TRUE(sigs);
      EXPECT_EQ(sig_header((*sigs)[0]), whole) << "split at " << p;
    }
    for (size_t chunk = 1; chunk <= 9; ++chunk) {
      EXPECT_EQ(sign_message(e, {plan}, msg, chunk), whole) << "chunks of " << chunk;
      auto v = verify_message(e, whole + msg, chunk);
      ASSERT_EQ(v.signatures.size(), 1u);
      EXPECT_EQ(v.signatures[0].result, DkimResult::pass) << "chunks of " << chunk;
    }
  }
}

TEST_F(DkimEngineTest, LfFoldedHeaderValuesSignLikeCrlf) {
  DkimEngine e({}, dns, clock);
  auto sign_with = [&](std::string_view subject) {
    auto s = e.sign({rsa_plan()}, "lf");
    EXPECT_TRUE(s);
    (*s)->add_header("From", " alice@example.com");
    (*s)->add_header("Subject", subject);
    (*s)->add_body("body\r\n");
    return (*(*s)->finish())[0];
  };
  EXPECT_EQ(sign_with(" one\r\n two"), sign_with(" one\n two"));
}

TEST_F(DkimEngineTest, TamperingFails) {
  DkimEngine e({}, dns, clock);
  std::string sig = sign_message(e, {rsa_plan(), ed_plan()}, kTestMessage);
  std::string body_changed = sig + std::string(kTestMessage) + "P.S. wire the money\r\n";
  auto v = verify_message(e, body_changed);
  ASSERT_EQ(v.signatures.size(), 2u);
  for (const auto& s : v.signatures) {
    EXPECT_EQ(s.result, DkimResult::fail);
    EXPECT_EQ(s.reason, "body hash mismatch");
  }
  EXPECT_EQ(v.overall, DkimResult::fail);

  std::string header_changed = sig + kTestMessage;
  header_changed.replace(header_changed.find("Bob <bob@"), 3, "Eve");
  v = verify_message(e, header_changed);
  ASSERT_EQ(v.signatures.size(), 2u);
  for (const auto& s : v.signatures) EXPECT_EQ(s.result, DkimResult::fail) << s.reason;
}

TEST_F(DkimEngineTest, OversignedHeadersCannotBeAdded) {
  DkimEngine e({}, dns, clock);
  for (const auto& plan : {rsa_plan(), ed_plan()}) {
    std::string sig = sign_message(e, {plan}, kTestMessage);
    // h= lists From twice (once present, once oversigned) and Cc although the message has none.
    std::string flat = sig;
    flat.erase(std::remove_if(flat.begin(), flat.end(),
                              [](char c) { return c == '\r' || c == '\n' || c == '\t' || c == ' '; }),
               flat.end());
    size_t hpos = flat.find(";h=");
    ASSERT_NE(hpos, std::string::npos) << sig;
    std::string h = flat.substr(hpos + 3);
    h = h.substr(0, h.find(';'));
    std::string lower = ascii_lower(h);
    EXPECT_EQ(lower.rfind("from:", 0), 0u) << h;
    EXPECT_NE(lower.find(":from", 1), std::string::npos) << h;
    EXPECT_NE(lower.find("cc"), std::string::npos) << h;
    // Another From: (or a Cc:) added after signing breaks the signature.
    for (const char* extra : {"From: mallory@evil.example\r\n", "Cc: mallory@evil.example\r\n"}) {
      std::string msg = kTestMessage;
      msg.insert(msg.find("\r\n\r\n") + 2, extra);
      auto v = verify_message(e, sig + msg);
      ASSERT_EQ(v.signatures.size(), 1u);
      EXPECT_EQ(v.signatures[0].result, DkimResult::fail) << extra << sig;
    }
  }
}

TEST_F(DkimEngineTest, KeyLookupFailuresAreTempOrPermErrors) {
  DkimEngine e({}, dns, clock);
  DkimSignPlan a{"a.example", "s1", keys().rsa, ""}, b{"b.example", "s1", keys().rsa, ""},
      c{"c.example", "s1", keys().ed, ""}, d{"d.example", "s1", keys().rsa, ""};
  dns.set_status("s1._domainkey.b.example", DnsStatus::timeout);
  dns.set_status("s1._domainkey.c.example", DnsStatus::servfail);
  dns.add_txt("s1._domainkey.d.example", "v=DKIM1; k=rsa; p=");
  auto v = verify_message(e, sign_message(e, {a, b, c, d}, kTestMessage) + kTestMessage);
  ASSERT_EQ(v.signatures.size(), 4u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::permerror);
  EXPECT_EQ(v.signatures[0].reason, "no key");
  EXPECT_EQ(v.signatures[1].result, DkimResult::temperror) << v.signatures[1].reason;
  EXPECT_NE(v.signatures[1].reason.find("timeout"), std::string::npos) << v.signatures[1].reason;
  EXPECT_EQ(v.signatures[2].result, DkimResult::temperror) << v.signatures[2].reason;
  EXPECT_EQ(v.signatures[3].result, DkimResult::permerror);
  EXPECT_EQ(v.signatures[3].reason, "key revoked");
  EXPECT_EQ(v.overall, DkimResult::temperror);
}

TEST_F(DkimEngineTest, WrongKeyTypeOrGarbageRecordIsPermerror) {
  DkimEngine e({}, dns, clock);
  dns.add_txt("x._domainkey.e.example", keys().ed->dns_record());  // an ed25519 key for an rsa signature
  dns.add_txt("y._domainkey.e.example", "v=DKIM1; k=rsa; p=!!!notbase64");
  dns.add_txt("z._domainkey.e.example", "first");
  dns.add_txt("z._domainkey.e.example", "second");
  auto v = verify_message(e, sign_message(e,
                                          {{"e.example", "x", keys().rsa, ""},
                                           {"e.example", "y", keys().rsa, ""},
                                           {"e.example", "z", keys().rsa, ""}},
                                          kTestMessage) +
                                 kTestMessage);
  ASSERT_EQ(v.signatures.size(), 3u);
  for (const auto& s : v.signatures)
    EXPECT_TRUE(s.result == DkimResult::permerror || s.result == DkimResult::fail) << s.reason;
  EXPECT_EQ(v.signatures[2].result, DkimResult::permerror);
  EXPECT_EQ(v.signatures[2].reason, "multiple key records");
  EXPECT_NE(v.overall, DkimResult::pass);
}

TEST_F(DkimEngineTest, SignaturesOverTheBoundAreNotLookedUp) {
  DkimOptions o;
  o.max_signatures = 2;
  DkimEngine e(o, dns, clock);
  std::vector<DkimSignPlan> plans;
  for (int i = 0; i < 5; ++i) {
    plans.push_back({"example.com", "rsa" + std::to_string(i), keys().rsa, ""});
    dns.add_txt("rsa" + std::to_string(i) + "._domainkey.example.com", keys().rsa->dns_record());
  }
  std::string msg = sign_message(e, plans, kTestMessage) + kTestMessage;
  int before = dns.queries();
  auto v = verify_message(e, msg);
  EXPECT_EQ(dns.queries() - before, 2);
  ASSERT_EQ(v.signatures.size(), 5u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::pass);
  EXPECT_EQ(v.signatures[1].result, DkimResult::pass);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(v.signatures[i].result, DkimResult::neutral);
    EXPECT_NE(v.signatures[i].reason.find("more than 2"), std::string::npos);
  }
}

TEST_F(DkimEngineTest, ExpiryAndFutureTimestampsUseTheInjectedClock) {
  DkimOptions o;
  o.expire = std::chrono::hours(1);
  DkimEngine signer(o, dns, clock);
  std::string msg = sign_message(signer, {rsa_plan()}, kTestMessage) + kTestMessage;
  EXPECT_NE(msg.find("x=" + std::to_string(clock.unix_seconds() + 3600)), std::string::npos) << msg;

  FakeClock later(clock.unix_seconds() + 3600 + 299);
  DkimEngine v1({}, dns, later);
  EXPECT_EQ(verify_message(v1, msg).signatures[0].result, DkimResult::pass) << "within the clock drift";
  FakeClock too_late(clock.unix_seconds() + 3600 + 301);
  DkimEngine v2({}, dns, too_late);
  auto r = verify_message(v2, msg).signatures[0];
  EXPECT_EQ(r.result, DkimResult::permerror);
  EXPECT_NE(r.reason.find("expired"), std::string::npos);
  FakeClock before(clock.unix_seconds() - 600);
  DkimEngine v3({}, dns, before);
  r = verify_message(v3, msg).signatures[0];
  EXPECT_EQ(r.result, DkimResult::permerror);
  EXPECT_NE(r.reason.find("future"), std::string::npos);
}

TEST_F(DkimEngineTest, UnsignedAndMalformedSignatures) {
  DkimEngine e({}, dns, clock);
  auto v = verify_message(e, kTestMessage);
  EXPECT_EQ(v.overall, DkimResult::none);
  EXPECT_TRUE(v.signatures.empty());

  std::string bad = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA\r\n";
  v = verify_message(e, bad + kTestMessage);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::neutral) << v.signatures[0].reason;
  EXPECT_NE(v.signatures[0].reason.find("syntax"), std::string::npos);

  // A broken signature next to a good one: the good one still passes.
  v = verify_message(e, bad + sign_message(e, {ed_plan()}, kTestMessage) + kTestMessage);
  ASSERT_EQ(v.signatures.size(), 2u);
  EXPECT_EQ(v.overall, DkimResult::pass);
}

// A header field with a bare CR or a NUL (RFC 5322 allows neither) never reaches libopendkim,
// which corrupts its heap on a bare CR inside a DKIM-Signature's tag list (found by libFuzzer;
// docs/fuzzing.md): a signature in such a field is not seen, a signature over such a field fails,
// and a good signature beside them still passes.
TEST_F(DkimEngineTest, FieldsWithABareCrOrNulNeverReachLibopendkim) {
  DkimEngine e({}, dns, clock);
  std::string bare_cr_sig =
      "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed;\r\n"
      " h=from :\rto; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n";
  auto v = verify_message(e, bare_cr_sig + kTestMessage);
  EXPECT_TRUE(v.signatures.empty());
  EXPECT_EQ(v.overall, DkimResult::none);
  std::string nul_sig = "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=ed; h=from;";
  nul_sig += std::string(1, '\0') + " bh=AAAA; b=AAAA\r\n";
  EXPECT_TRUE(verify_message(e, nul_sig + kTestMessage).signatures.empty());

  // A signed Subject: that arrives with a bare CR in it: left out, so the signature fails.
  std::string msg =
      "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.org>\r\nSubject: hi\r\n\r\nbody\r\n";
  std::string sig = sign_message(e, {ed_plan()}, msg);
  std::string tampered = sig + msg;
  tampered.replace(tampered.find("Subject: hi"), 11, "Subject: h\ri");
  v = verify_message(e, tampered);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::fail) << v.signatures[0].reason;

  // An h= list holding something other than field names (white space inside an entry, an empty
  // entry) is not handed over either (libopendkim freed memory it never allocated after one).
  for (const char* h : {"from : t  o", "from::to", "from:", "fr\x01om"}) {
    std::string odd = "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=ed; h=" + std::string(h) +
                      "; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n";
    EXPECT_TRUE(verify_message(e, odd + kTestMessage).signatures.empty()) << h;
  }

  // Beside them, a good signature still passes.
  v = verify_message(e, bare_cr_sig + sign_message(e, {ed_plan()}, kTestMessage) + kTestMessage);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.overall, DkimResult::pass);
}

TEST_F(DkimEngineTest, GarbageInputNeverCrashes) {
  DkimEngine e({}, dns, clock);
  const std::vector<std::string> inputs = {
      "DKIM-Signature: \r\n\r\n",
      "DKIM-Signature: v=1; a=ed25519-sha256; d=; s=; b=; bh=; h=\r\n\r\nx",
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from:from:from; l=99999999999999999999; "
      "bh=AAAA; b=AAAA; x=18446744073709551615; t=18446744073709551615\r\nFrom: a@b\r\n\r\nbody",
      std::string(5000, 'A') + ": " + std::string(70000, 'b') + "\r\n\r\n",
  };
  for (const auto& in : inputs) {
    auto s = e.verify("garbage");
    ASSERT_TRUE(s);
    SessionSink<DkimVerifySession> sink(**s);
    MessageSplitter split(sink);
    (void)split.feed(in);
    (void)split.finish();
    auto v = (*s)->finish();
    EXPECT_NE(v.overall, DkimResult::pass);
  }
  // Raw calls with bad names and values.
  auto s = e.verify("raw");
  ASSERT_TRUE(s);
  (*s)->add_header("", "x");
  (*s)->add_header("Bad Name", "x");
  (*s)->add_header("DKIM-Signature", std::string(100000, 'x'));
  (*s)->add_body(std::string(1, '\0'));
  EXPECT_EQ((*s)->finish().overall, DkimResult::none);
}

TEST_F(DkimEngineTest, HeaderLimits) {
  DkimEngine e({}, dns, clock);
  auto s = e.sign({rsa_plan()}, "limits");
  ASSERT_TRUE(s);
  for (int i = 0; i < 20; ++i) (*s)->add_header("X-Big", std::string(60000, 'x'));
  (*s)->add_body("x\r\n");
  EXPECT_FALSE((*s)->finish()) << "more than kMaxDkimHeaderTotal bytes of headers";
  auto t = e.sign({ed_plan()}, "limits");
  ASSERT_TRUE(t);
  for (size_t i = 0; i <= kMaxDkimHeaderFields; ++i) (*t)->add_header("X", " y");
  EXPECT_FALSE((*t)->finish());
  // Verifying: a valid signature stays valid below the limits, and headers past them are dropped
  // (a signature over them cannot pass).
  std::string msg = sign_message(e, {rsa_plan()}, kTestMessage) + kTestMessage;
  std::string padded = msg;
  padded.insert(padded.find("From: Alice"), "X-Pad: " + std::string(50000, 'p') + "\r\n");
  EXPECT_EQ(verify_message(e, padded).overall, DkimResult::pass);
}

TEST_F(DkimEngineTest, SignPlansAreChecked) {
  DkimEngine e({}, dns, clock);
  EXPECT_FALSE(e.sign({}, "x"));
  EXPECT_FALSE(e.sign({{"example.com", "s", nullptr, ""}}, "x"));
  EXPECT_FALSE(e.sign({{"bad domain", "s", keys().rsa, ""}}, "x"));
  EXPECT_FALSE(e.sign({{"example.com", "", keys().rsa, ""}}, "x"));
}

TEST_F(DkimEngineTest, ConcurrentSessionsOnManyThreads) {
  DkimEngine e({}, dns, clock);
  std::string msg = sign_message(e, {rsa_plan(), ed_plan()}, kTestMessage) + kTestMessage;
  std::atomic<int> passes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (verify_message(e, msg).overall == DkimResult::pass) ++passes;
        (void)sign_message(e, {ed_plan()}, kTestMessage);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(passes.load(), 40);
}

// RFC 8463 appendix A: the example message, signed with ed25519-sha256 and rsa-sha256, and both
// keys, served by a real DNS server and looked up through the production resolver.
TEST(DkimRfc8463, ExampleMessageVerifiesThroughDns) {
  TestDnsServer server;
  ASSERT_TRUE(server.add("brisbane._domainkey.football.example.com", "TXT",
                         "\"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\""));
  ASSERT_TRUE(server.add(
      "test._domainkey.football.example.com", "TXT",
      "\"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qh\" "
      "\"dR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/"
      "8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9Pz\" "
      "\"oxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\""));
  DnsConfig dc;
  dc.servers = {server.address()};
  dc.cache_entries = 0;
  SystemClock sys;
  auto resolver = make_resolver(dc, sys);
  ASSERT_TRUE(resolver);
  FakeClock clock(1528637909);
  DkimEngine e({}, **resolver, clock);
  const std::string msg =
      "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
      " d=football.example.com; i=@football.example.com;\r\n"
      " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
      " subject : date : message-id : from : subject : date;\r\n"
      " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
      " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
      " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
      "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
      " d=football.example.com; i=@football.example.com;\r\n"
      " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
      " date : message-id : from : subject : date;\r\n"
      " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
      " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
      " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
      " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
      "From: Joe SixPack <joe@football.example.com>\r\n"
      "To: Suzie Q <suzie@shopping.example.net>\r\n"
      "Subject: Is dinner ready?\r\n"
      "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
      "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
      "\r\n"
      "Hi.\r\n"
      "\r\n"
      "We lost the game.  Are you hungry yet?\r\n"
      "\r\n"
      "Joe.\r\n";
  auto v = verify_message(e, msg);
  ASSERT_EQ(v.signatures.size(), 2u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::pass) << v.signatures[0].reason;
  EXPECT_EQ(v.signatures[0].algorithm, "ed25519-sha256");
  EXPECT_EQ(v.signatures[0].identity, "@football.example.com");
  EXPECT_EQ(v.signatures[0].key_bits, 256);
  EXPECT_EQ(v.signatures[1].result, DkimResult::pass) << v.signatures[1].reason;
  EXPECT_EQ(v.signatures[1].key_bits, 1024);
  // One changed byte in the body breaks both.
  std::string changed = msg;
  changed.replace(changed.find("hungry"), 6, "Hungry");
  v = verify_message(e, changed);
  EXPECT_EQ(v.signatures[0].result, DkimResult::fail);
  EXPECT_EQ(v.signatures[1].result, DkimResult::fail);
}

TEST(DkimDns, TimeoutThroughARealServerIsTemperror) {
  TestDnsServer server;
  auto key = make_key(DkimKeyType::ed25519);
  ASSERT_TRUE(server.add("slow._domainkey.example.org", "TXT", "\"" + key.dns_record() + "\""));
  ASSERT_TRUE(server.add("fast._domainkey.example.org", "TXT", "\"" + key.dns_record() + "\""));
  server.set_behavior("slow._domainkey.example.org", DnsBehavior::drop);
  DnsConfig dc;
  dc.servers = {server.address()};
  dc.timeout = std::chrono::milliseconds(200);
  dc.retries = 0;
  SystemClock sys;
  auto resolver = make_resolver(dc, sys);
  ASSERT_TRUE(resolver);
  FakeClock clock;
  DkimOptions o;
  o.key_lookup_timeout = std::chrono::milliseconds(500);
  DkimEngine e(o, **resolver, clock);
  auto k = std::make_shared<const DkimPrivateKey>(key);
  std::string msg =
      sign_message(e, {{"example.org", "slow", k, ""}, {"example.org", "fast", k, ""}}, kTestMessage) +
      kTestMessage;
  auto start = std::chrono::steady_clock::now();
  auto v = verify_message(e, msg);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ASSERT_EQ(v.signatures.size(), 2u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::temperror) << v.signatures[0].reason;
  EXPECT_EQ(v.signatures[1].result, DkimResult::pass) << v.signatures[1].reason;
  EXPECT_EQ(v.overall, DkimResult::pass);
}

// The message's deadline (postern-milter's [milter].message_timeout, started at MAIL FROM) caps the
// key lookups as well as key_lookup_timeout: once it has passed, no key is asked for and the
// signature is temperror at once; with time left, the same key is found.
TEST(DkimDns, KeyLookupsStopAtTheMessageDeadline) {
  TestDnsServer server;
  auto key = make_key(DkimKeyType::ed25519);
  ASSERT_TRUE(server.add("s1._domainkey.example.org", "TXT", "\"" + key.dns_record() + "\""));
  DnsConfig dc;
  dc.servers = {server.address()};
  dc.cache_entries = 0;
  SystemClock sys;
  auto resolver = make_resolver(dc, sys);
  ASSERT_TRUE(resolver);
  FakeClock clock;
  DkimEngine e(DkimOptions{}, **resolver, clock);
  auto k = std::make_shared<const DkimPrivateKey>(key);
  std::string msg = sign_message(e, {{"example.org", "s1", k, ""}}, kTestMessage) + kTestMessage;
  auto run = [&](Deadline message_deadline) {
    auto s = e.verify("test", message_deadline);
    if (!s) throw std::runtime_error(s.error().message);
    feed(**s, msg, 0);
    return (*s)->finish();
  };

  auto spent = run(Deadline(std::chrono::steady_clock::now()));
  ASSERT_EQ(spent.signatures.size(), 1u);
  EXPECT_EQ(spent.signatures[0].result, DkimResult::temperror) << spent.signatures[0].reason;
  EXPECT_NE(spent.signatures[0].reason.find("deadline passed"), std::string::npos)
      << spent.signatures[0].reason;
  EXPECT_EQ(server.queries("s1._domainkey.example.org"), 0);

  auto left = run(Deadline::after(std::chrono::seconds(30)));
  ASSERT_EQ(left.signatures.size(), 1u);
  EXPECT_EQ(left.signatures[0].result, DkimResult::pass) << left.signatures[0].reason;
  EXPECT_EQ(server.queries("s1._domainkey.example.org"), 1);
}

}  // namespace
}  // namespace postern::test
