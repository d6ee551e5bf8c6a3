// Interoperability with independent DKIM implementations, both ways:
//   - python3-dkim (dkimpy): rsa-sha256 and ed25519-sha256, every canonicalisation; also its
//     rsa-sha1, l= and 512-bit-key signatures against our RFC 8301 / l= policies;
//   - Mail::DKIM (Perl): rsa-sha256 in every canonicalisation (Debian 12's version has no
//     ed25519), its key lookups going to our test DNS server;
// and our verifier reading keys from that same DNS server through the production resolver.
#include <gtest/gtest.h>

#include "common/dns/dns_config.h"
#include "common/dns/factory.h"
#include "tests/dkim/dkim_test_util.h"
#include "tests/harness/dns_server.h"

namespace postern::test {
namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kPyHelper = std::string(DKIM_TEST_DIR) + "/dkim_interop.py";
const std::string kPlHelper = std::string(DKIM_TEST_DIR) + "/dkim_interop.pl";
const char* kCanons[] = {"simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"};

DkimCanon canon(const std::string& c, bool body) {
  std::string part = body ? c.substr(c.find('/') + 1) : c.substr(0, c.find('/'));
  return part == "simple" ? DkimCanon::simple : DkimCanon::relaxed;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

class DkimInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    rsa = std::make_shared<DkimPrivateKey>(make_key(DkimKeyType::rsa, 2048));
    ed = std::make_shared<DkimPrivateKey>(make_key(DkimKeyType::ed25519));
    rsa_file = dir.write("rsa.pem", rsa->pem).string();
    ed_seed_file = dir.write("ed.seed", ed25519_seed_b64(*ed) + "\n").string();
    records = dir.write("records.txt", "rsa._domainkey.example.com " + rsa->dns_record() +
                                           "\ned._domainkey.example.com " + ed->dns_record() + "\n")
                  .string();
    ASSERT_TRUE(server.add_txt("rsa._domainkey.example.com", rsa->dns_record()));
    ASSERT_TRUE(server.add_txt("ed._domainkey.example.com", ed->dns_record()));
    DnsConfig dc;
    dc.servers = {server.address()};
    resolver = *make_resolver(dc, sys);
  }

  std::vector<std::string> python_verify(const std::string& msg) {
    auto f = dir.write("py-in.eml", msg).string();
    int st = 0;
    auto out = run(dir, {kPython, kPyHelper, "verify", f, records}, &st);
    EXPECT_EQ(st, 0) << out;
    return lines(out);
  }
  std::string python_sign(const std::string& selector, const std::string& key_file, const std::string& alg,
                          const std::string& c, bool length = false) {
    auto f = dir.write("py-sign.eml", kTestMessage).string();
    std::vector<std::string> argv = {kPython,       kPyHelper, "sign", f, selector,
                                     "example.com", key_file,  alg,    c};
    if (length) argv.push_back("length");
    int st = 0;
    auto out = run(dir, argv, &st);
    EXPECT_EQ(st, 0) << out;
    return out;
  }

  TempDir dir{"dkim-interop"};
  TestDnsServer server;
  SystemClock sys;
  // Python and Perl stamp t= with the real time.
  FakeClock clock{SystemClock().unix_seconds()};
  std::shared_ptr<Resolver> resolver;
  std::shared_ptr<DkimPrivateKey> rsa, ed;
  std::string rsa_file, ed_seed_file, records;
};

TEST_F(DkimInterop, PythonVerifiesWhatWeSign) {
  for (const char* c : kCanons) {
    DkimOptions o;
    o.header_canon = canon(c, false);
    o.body_canon = canon(c, true);
    DkimEngine e(o, *resolver, clock);
    std::string msg =
        sign_message(e, {{"example.com", "rsa", rsa, ""}, {"example.com", "ed", ed, ""}}, kTestMessage) +
        kTestMessage;
    EXPECT_EQ(python_verify(msg), (std::vector<std::string>{"pass", "pass"})) << c << "\n" << msg;
    std::string tampered = msg;
    tampered.replace(tampered.find("noon"), 4, "nine");
    EXPECT_EQ(python_verify(tampered), (std::vector<std::string>{"fail", "fail"})) << c;
  }
}

TEST_F(DkimInterop, PythonAndPerlVerifyRepeatedHeadersIdentityAndExpiry) {
  // Two To: and two Subject: fields (signed bottom-up), i=, x=, and a long folded header.
  const std::string msg = std::string(
                              "From: Alice <alice@example.com>\r\n"
                              "To: one@example.net\r\n"
                              "Subject: first\r\n"
                              "To: two@example.net\r\n"
                              "Subject: second\r\n"
                              "References: <a@example.com>\r\n <b@example.com>\r\n\t<c@example.com>\r\n"
                              "Date: Mon, 23 Nov 2026 07:00:00 +0000\r\n"
                              "\r\n") +
                          "body\r\n";
  for (const char* c : kCanons) {
    DkimOptions o;
    o.header_canon = canon(c, false);
    o.body_canon = canon(c, true);
    o.expire = std::chrono::hours(1);
    DkimEngine e(o, *resolver, clock);
    std::string signed_msg =
        sign_message(
            e, {{"example.com", "rsa", rsa, "alice@example.com"}, {"example.com", "ed", ed, "@example.com"}},
            msg) +
        msg;
    ASSERT_NE(signed_msg.find("i=alice@example.com;"), std::string::npos) << signed_msg;
    ASSERT_NE(signed_msg.find("x="), std::string::npos) << signed_msg;
    EXPECT_EQ(python_verify(signed_msg), (std::vector<std::string>{"pass", "pass"})) << c << "\n"
                                                                                     << signed_msg;
    auto v = verify_message(e, signed_msg);
    ASSERT_EQ(v.signatures.size(), 2u);
    EXPECT_EQ(v.signatures[0].result, DkimResult::pass) << c << " " << v.signatures[0].reason;
    EXPECT_EQ(v.signatures[0].identity, "alice@example.com");
    EXPECT_EQ(v.signatures[1].result, DkimResult::pass) << c << " " << v.signatures[1].reason;
    int st = 0;
    auto out = run(dir,
                   {"perl", kPlHelper, "verify", dir.write("pl-rep.eml", signed_msg).string(),
                    std::to_string(server.port())},
                   &st);
    ASSERT_EQ(st, 0) << out;
    ASSERT_FALSE(lines(out).empty()) << out;
    EXPECT_EQ(lines(out)[0], "pass") << c << " (rsa; Mail::DKIM reports ed25519 as unsupported)\n" << out;
    // Swapping the two To: fields breaks both signatures.
    std::string swapped = signed_msg;
    swapped.replace(swapped.find("one@"), 3, "two");
    swapped.replace(swapped.rfind("two@"), 3, "one");
    EXPECT_EQ(python_verify(swapped), (std::vector<std::string>{"fail", "fail"})) << c;
  }
}

TEST_F(DkimInterop, WeVerifyWhatPythonSigns) {
  DkimEngine e({}, *resolver, clock);
  for (const char* c : kCanons) {
    for (const auto& [sel, key, alg] :
         {std::tuple{"rsa", rsa_file, "rsa-sha256"}, std::tuple{"ed", ed_seed_file, "ed25519-sha256"}}) {
      std::string msg = python_sign(sel, key, alg, c) + kTestMessage;
      auto v = verify_message(e, msg);
      ASSERT_EQ(v.signatures.size(), 1u) << msg;
      EXPECT_EQ(v.signatures[0].result, DkimResult::pass)
          << c << " " << alg << ": " << v.signatures[0].reason;
      EXPECT_EQ(v.signatures[0].algorithm, alg);
      std::string tampered = msg;
      tampered.replace(tampered.find("Lunch"), 5, "Dinner");
      EXPECT_EQ(verify_message(e, tampered).signatures[0].result, DkimResult::fail) << c << " " << alg;
    }
  }
}

TEST_F(DkimInterop, Rfc8301PoliciesOnPythonSignatures) {
  DkimEngine strict({}, *resolver, clock);
  DkimOptions lax;
  lax.allow_rsa_sha1 = true;
  DkimEngine relaxed_engine(lax, *resolver, clock);
  std::string sha1 = python_sign("rsa", rsa_file, "rsa-sha1", "relaxed/relaxed") + kTestMessage;
  auto v = verify_message(strict, sha1);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::policy);
  EXPECT_EQ(v.signatures[0].algorithm, "rsa-sha1");
  EXPECT_EQ(verify_message(relaxed_engine, sha1).signatures[0].result, DkimResult::pass);

  // A 512-bit key (written with OpenSSL directly: our own loader refuses keys that small).
  std::string small_pem = dir.write("small.pem", "").string();
  int st = 0;
  run(dir, {"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512", "-out", small_pem},
      &st);
  ASSERT_EQ(st, 0);
  std::string pub = run(dir,
                        {"openssl", "pkey", "-in", small_pem, "-pubout", "-outform", "DER", "-out",
                         (dir / "small.der").string()},
                        &st);
  ASSERT_EQ(st, 0) << pub;
  std::string der = read_text((dir / "small.der").string());
  std::string b64(4 * ((der.size() + 2) / 3) + 1, '\0');
  b64.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                                 reinterpret_cast<const unsigned char*>(der.data()),
                                                 static_cast<int>(der.size()))));
  ASSERT_TRUE(server.add("small._domainkey.example.com", "TXT", "\"v=DKIM1; k=rsa; p=" + b64 + "\""));
  std::string small = python_sign("small", small_pem, "rsa-sha256", "relaxed/relaxed") + kTestMessage;
  v = verify_message(strict, small);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::policy) << v.signatures[0].reason;
  DkimOptions weak;
  weak.min_key_bits = 512;
  DkimEngine weak_engine(weak, *resolver, clock);
  EXPECT_EQ(verify_message(weak_engine, small).signatures[0].result, DkimResult::pass);
}

TEST_F(DkimInterop, BodyLengthTagPolicy) {
  std::string sig = python_sign("rsa", rsa_file, "rsa-sha256", "relaxed/relaxed", true);
  ASSERT_NE(sig.find("l="), std::string::npos) << sig;
  DkimEngine e({}, *resolver, clock);
  // l= covering the whole body is fine.
  EXPECT_EQ(verify_message(e, sig + kTestMessage).signatures[0].result, DkimResult::pass);
  // Text appended after signing: policy by default, pass only when allowed.
  std::string appended = sig + kTestMessage + "Click here: http://evil.example/\r\n";
  auto v = verify_message(e, appended);
  EXPECT_EQ(v.signatures[0].result, DkimResult::policy) << v.signatures[0].reason;
  EXPECT_NE(v.signatures[0].reason.find("l="), std::string::npos);
  DkimOptions allow;
  allow.body_length = BodyLengthPolicy::allow;
  DkimEngine e2(allow, *resolver, clock);
  v = verify_message(e2, appended);
  EXPECT_EQ(v.signatures[0].result, DkimResult::pass) << v.signatures[0].reason;
  // The same with the simple body canonicalisation and chunked input.
  std::string simple = python_sign("rsa", rsa_file, "rsa-sha256", "relaxed/simple", true);
  EXPECT_EQ(verify_message(e, simple + kTestMessage, 3).signatures[0].result, DkimResult::pass);
  EXPECT_EQ(verify_message(e, simple + kTestMessage + "more\r\n", 3).signatures[0].result,
            DkimResult::policy);
}

TEST_F(DkimInterop, PerlVerifiesWhatWeSign) {
  for (const char* c : kCanons) {
    DkimOptions o;
    o.header_canon = canon(c, false);
    o.body_canon = canon(c, true);
    DkimEngine e(o, *resolver, clock);
    std::string msg = sign_message(e, {{"example.com", "rsa", rsa, ""}}, kTestMessage) + kTestMessage;
    int st = 0;
    auto out = run(
        dir, {"perl", kPlHelper, "verify", dir.write("pl.eml", msg).string(), std::to_string(server.port())},
        &st);
    ASSERT_EQ(st, 0) << out;
    EXPECT_EQ(lines(out), (std::vector<std::string>{"pass"})) << c << "\n" << msg;
  }
}

TEST_F(DkimInterop, WeVerifyWhatPerlSigns) {
  DkimEngine e({}, *resolver, clock);
  for (const char* c : kCanons) {
    int st = 0;
    auto sig = run(dir,
                   {"perl", kPlHelper, "sign", dir.write("pl-sign.eml", kTestMessage).string(), "rsa",
                    "example.com", rsa_file, c},
                   &st);
    ASSERT_EQ(st, 0) << sig;
    auto v = verify_message(e, sig + kTestMessage);
    ASSERT_EQ(v.signatures.size(), 1u) << sig;
    EXPECT_EQ(v.signatures[0].result, DkimResult::pass) << c << ": " << v.signatures[0].reason << "\n" << sig;
  }
}

}  // namespace
}  // namespace postern::test
