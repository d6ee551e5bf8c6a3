// Stored-password parsing and verification, against hashes made by Dovecot's own `doveadm pw`
// (the hashes admins already have) and ours checked by `doveadm pw -t`.
#include <gtest/gtest.h>

#include "common/auth/password_hash.h"
#include "common/auth/password_scheme.h"
#include "tests/harness/process.h"

namespace postern {
namespace {

std::string doveadm_hash(const std::string& scheme, const std::string& pw) {
  auto r = test::run_command({"doveadm", "pw", "-s", scheme, "-p", pw});
  std::string h = r.output;
  while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
  return h;
}

TEST(StoredPassword, ParsesSchemesAndBareCrypt) {
  auto a = parse_stored_password("{SHA512-CRYPT}$6$abc$def");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scheme, PasswordScheme::sha512_crypt);
  EXPECT_EQ(a->data, "$6$abc$def");
  auto b = parse_stored_password("$5$rounds=6000$salt$hash");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scheme, PasswordScheme::sha256_crypt);
  auto c = parse_stored_password("{blf-crypt}$2y$05$abcdefghijklmnopqrstuv");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, PasswordScheme::blf_crypt);
  auto d = parse_stored_password("{PLAIN}hunter2");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->scheme, PasswordScheme::plain);
  EXPECT_TRUE(scheme_is_weak(d->scheme));
  auto e = parse_stored_password("{CRYPT}$1$salt$hash");
  ASSERT_TRUE(e);
  EXPECT_TRUE(scheme_is_weak(e->scheme));
}

TEST(StoredPassword, RefusesMalformedAndMismatched) {
  EXPECT_FALSE(parse_stored_password(""));
  EXPECT_FALSE(parse_stored_password("{SHA512-CRYPT"));
  EXPECT_FALSE(parse_stored_password("{}$6$a$b"));
  EXPECT_FALSE(parse_stored_password("{SHA512-CRYPT}$5$a$b"));  // scheme and hash disagree
  EXPECT_FALSE(parse_stored_password("{SHA512-CRYPT}"));
  EXPECT_FALSE(parse_stored_password("{NTLM}abcdef"));
  EXPECT_FALSE(parse_stored_password("$9$unknown"));
  EXPECT_FALSE(parse_stored_password("{CRYPT}$6$a b$c"));
  EXPECT_FALSE(parse_stored_password(std::string(kMaxStoredPassword + 1, 'a')));
}

TEST(PasswordHash, VerifiesDoveadmHashes) {
  for (const char* scheme : {"SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT"}) {
    std::string h = doveadm_hash(scheme, "correct horse");
    auto stored = parse_stored_password(h);
    ASSERT_TRUE(stored) << scheme << " " << h;
    auto ok = verify_password(*stored, "correct horse");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_TRUE(*ok) << scheme;
    EXPECT_FALSE(*verify_password(*stored, "correct horsf")) << scheme;
    EXPECT_FALSE(*verify_password(*stored, "")) << scheme;
  }
}

TEST(PasswordHash, DoveadmAcceptsOurHashes) {
  for (int64_t rounds : {int64_t{5000}, int64_t{6000}}) {
    auto h = make_sha512_crypt("s3cret pass", rounds);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->rfind("$6$", 0), 0u);
    EXPECT_EQ(h->find("rounds=") != std::string::npos, rounds != 5000) << *h;
    auto r = test::run_command({"doveadm", "pw", "-t", "{SHA512-CRYPT}" + *h, "-p", "s3cret pass"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("verified"), std::string::npos) << r.output;
    auto bad = test::run_command({"doveadm", "pw", "-t", "{SHA512-CRYPT}" + *h, "-p", "other"});
    EXPECT_NE(bad.exit_code, 0) << bad.output;
  }
}

TEST(PasswordHash, SaltsDiffer) {
  auto a = make_sha512_crypt("same");
  auto b = make_sha512_crypt("same");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(PasswordHash, PlainComparesWholeValue) {
  StoredPassword p{PasswordScheme::plain, "secret"};
  EXPECT_TRUE(*verify_password(p, "secret"));
  EXPECT_FALSE(*verify_password(p, "secre"));
  EXPECT_FALSE(*verify_password(p, "secret2"));
  EXPECT_FALSE(*verify_password(p, std::string("secret\0", 7)));
}

TEST(PasswordHash, OverlongPasswordNeverMatches) {
  std::string pw(kMaxPasswordLength + 1, 'x');
  auto h = make_sha512_crypt(pw.substr(0, kMaxPasswordLength));
  ASSERT_TRUE(h);
  StoredPassword s{PasswordScheme::sha512_crypt, *h};
  EXPECT_TRUE(*verify_password(s, pw.substr(0, kMaxPasswordLength)));
  EXPECT_FALSE(*verify_password(s, pw));
  EXPECT_FALSE(make_sha512_crypt(pw));
}

TEST(PasswordHash, DamagedHashIsAnError) {
  StoredPassword s{PasswordScheme::sha512_crypt, "$6$"};
  auto r = verify_password(s, "x");
  // libxcrypt either refuses the setting or computes a hash that cannot match; never a match.
  EXPECT_TRUE(!r || !*r);
}

TEST(PasswordHash, WorkAboveTheCapsIsNamed) {
  auto problem = [](PasswordScheme scheme, const char* hash) { return hash_work_problem({scheme, hash}); };
  using S = PasswordScheme;
  EXPECT_FALSE(problem(S::sha512_crypt, "$6$saltsalt$hash"));  // default 5000 rounds
  EXPECT_FALSE(problem(S::sha512_crypt, "$6$rounds=1000000$salt$hash"));
  auto over = problem(S::sha512_crypt, "$6$rounds=999999999$salt$hash");
  ASSERT_TRUE(over);
  EXPECT_NE(over->find("rounds=999999999 is above the cap of 1000000"), std::string::npos) << *over;
  EXPECT_TRUE(problem(S::sha256_crypt, "$5$rounds=1000001$salt$hash"));
  EXPECT_TRUE(problem(S::sha512_crypt, "$6$rounds=99999999999999999999999$salt$hash"));  // no wrap
  EXPECT_FALSE(problem(S::blf_crypt, "$2y$10$abcdefghijklmnopqrstuu"));
  EXPECT_FALSE(problem(S::blf_crypt, "$2b$14$abcdefghijklmnopqrstuu"));
  EXPECT_TRUE(problem(S::blf_crypt, "$2b$31$abcdefghijklmnopqrstuu"));
  EXPECT_FALSE(problem(S::yescrypt, "$y$j9T$hsqNgoRBv5tOYSbzlMEVc/$x"));  // libxcrypt's default, 16 MiB
  EXPECT_FALSE(problem(S::yescrypt, "$y$jBT$0bb7PWKwdvrSvZ89JOkFG0$x"));  // cost 7, 64 MiB
  EXPECT_TRUE(problem(S::yescrypt, "$y$jFT$Dy2MhK6/kxBUOANRn5zt30$x"));   // cost 11, 1 GiB
  EXPECT_TRUE(problem(S::yescrypt, "$y$jzT$Dy2MhK6/kxBUOANRn5zt30$x"));
}

TEST(PasswordHash, NewHashesStayWithinTheRoundsCap) {
  EXPECT_TRUE(make_sha512_crypt("pw", kMaxCryptRounds).ok());
  auto over = make_sha512_crypt("pw", kMaxCryptRounds + 1);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message.find("1000..1000000"), std::string::npos) << over.error().message;
}

}  // namespace
}  // namespace postern
