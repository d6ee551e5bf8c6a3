// posternctl dkim keygen | sign | verify and dns-records, run as an admin would, with keys served
// by a test DNS server (--dns 127.0.0.1:PORT).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/dkim/private_key.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {
namespace {

CommandResult ctl(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), POSTERNCTL);
  return run_command(args, input);
}

const std::string kMessage =
    "From: Alice <alice@example.com>\nTo: bob@example.net\nSubject: report\nDate: Mon, 23 Nov 2026 07:00:00 "
    "+0000\nMessage-ID: <r1@example.com>\n\nnumbers attached\n";

TEST(PosternctlDkim, KeygenWritesAPrivateKeyOnceAndPrintsItsRecord) {
  TempDir dir("ctl-dkim");
  auto r = ctl({"dkim", "keygen", "--domain", "Example.COM", "--selector", "mail", "--out", dir.str()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string path = (dir / "example.com.mail.key").string();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = load_dkim_private_key(path);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->bits, 2048);
  EXPECT_NE(r.output.find(dkim_zone_line("mail", "example.com", key->dns_record())), std::string::npos)
      << r.output;
  // Every quoted string of the record is at most 255 bytes.
  size_t pos = r.output.find("IN TXT (");
  ASSERT_NE(pos, std::string::npos);
  int strings = 0;
  while ((pos = r.output.find('"', pos)) != std::string::npos) {
    size_t end = r.output.find('"', pos + 1);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - pos - 1, 255u);
    ++strings;
    pos = end + 1;
  }
  EXPECT_EQ(strings, 2);
  // Never overwritten.
  std::string before = key->pem;
  auto again = ctl({"dkim", "keygen", "--domain", "example.com", "--selector", "mail", "--out", dir.str()});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("never overwritten"), std::string::npos) << again.output;
  EXPECT_EQ(load_dkim_private_key(path)->pem, before);

  auto ed = ctl({"dkim", "keygen", "--domain", "example.com", "--selector", "ed", "--type", "ed25519",
                 "--out", dir.str()});
  ASSERT_EQ(ed.exit_code, 0) << ed.output;
  EXPECT_NE(ed.output.find("k=ed25519; p="), std::string::npos) << ed.output;
  EXPECT_EQ(ctl({"dkim", "keygen", "--domain", "example.com"}).exit_code, 64);
  EXPECT_EQ(ctl({"dkim", "keygen", "--domain", "example.com", "--selector", "x", "--type", "dsa"}).exit_code,
            64);
  EXPECT_EQ(ctl({"dkim", "keygen", "--domain", "example.com", "--selector", "x", "--bits", "512"}).exit_code,
            64);
}

TEST(PosternctlDkim, SignThenVerifyThroughDns) {
  TempDir dir("ctl-dkim-sv");
  TestDnsServer dns;
  for (const char* type : {"rsa", "ed25519"}) {
    std::string sel = std::string("s-") + type;
    auto g = ctl(
        {"dkim", "keygen", "--domain", "example.com", "--selector", sel, "--type", type, "--out", dir.str()});
    ASSERT_EQ(g.exit_code, 0) << g.output;
    auto key = load_dkim_private_key((dir / ("example.com." + sel + ".key")).string());
    ASSERT_TRUE(key);
    ASSERT_TRUE(dns.add_txt(sel + "._domainkey.example.com", key->dns_record()));
  }
  auto msg_file = dir.write("msg.eml", kMessage).string();
  // From a file, then from stdin with the first signature on it.
  auto s1 = ctl({"dkim", "sign", "--domain", "example.com", "--selector", "s-rsa", "--key",
                 (dir / "example.com.s-rsa.key").string(), msg_file});
  ASSERT_EQ(s1.exit_code, 0) << s1.output;
  EXPECT_EQ(s1.output.rfind("DKIM-Signature: v=1; a=rsa-sha256;", 0), 0u) << s1.output;
  EXPECT_NE(s1.output.find(kMessage), std::string::npos)
      << "the message follows unchanged, LF line ends kept";
  auto s2 = ctl({"dkim", "sign", "--domain", "example.com", "--selector", "s-ed25519", "--key",
                 (dir / "example.com.s-ed25519.key").string(), "-"},
                s1.output);
  ASSERT_EQ(s2.exit_code, 0) << s2.output;
  auto signed_file = dir.write("signed.eml", s2.output).string();

  auto v = ctl({"--dns", dns.address(), "dkim", "verify", signed_file});
  ASSERT_EQ(v.exit_code, 0) << v.output;
  EXPECT_EQ(v.output.rfind("pass\n", 0), 0u) << v.output;
  EXPECT_NE(v.output.find("\npass d=example.com s=s-ed25519 a=ed25519-sha256"), std::string::npos)
      << v.output;
  EXPECT_NE(v.output.find("\npass d=example.com s=s-rsa a=rsa-sha256 bits=2048"), std::string::npos)
      << v.output;

  std::string tampered = s2.output;
  tampered.replace(tampered.find("numbers"), 7, "NUMBERS");
  auto f = ctl({"dkim", "verify", "--dns", dns.address(), "-"}, tampered);
  EXPECT_EQ(f.exit_code, 0) << "exit 0 whatever the verdict";
  EXPECT_EQ(f.output.rfind("fail\n", 0), 0u) << f.output;
  EXPECT_NE(f.output.find("body hash mismatch"), std::string::npos) << f.output;

  auto none = ctl({"--dns", dns.address(), "dkim", "verify", msg_file});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.output.rfind("none\n", 0), 0u) << none.output;

  dns.set_behavior("s-rsa._domainkey.example.com", DnsBehavior::servfail);
  auto t = ctl({"--dns", dns.address(), "dkim", "verify", signed_file});
  EXPECT_NE(t.output.find("\ntemperror d=example.com s=s-rsa"), std::string::npos) << t.output;
}

TEST(PosternctlDkim, DnsRecordsFromTheConfig) {
  TempDir dir("ctl-dkim-rec");
  auto pem = *generate_dkim_private_key_pem(DkimKeyType::ed25519, 0);
  auto key_file = dir.write("k.key", pem).string();
  dir.write("KeyTable", "any %:wild:" + key_file + "\n");
  dir.write("SigningTable", "* any\n");
  auto conf = dir.write("postern.conf", "[dkim]\nkey_table = \"" + (dir / "KeyTable").string() +
                                            "\"\nsigning_table = \"" + (dir / "SigningTable").string() +
                                            "\"\n[[dkim.key]]\ndomain = \"example.org\"\nselector = \"m1\"\n"
                                            "key_file = \"" +
                                            key_file + "\"\n");
  auto r = ctl({"-c", conf.string(), "dns-records"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto key = parse_dkim_private_key(pem);
  EXPECT_NE(r.output.find(dkim_zone_line("m1", "example.org", key->dns_record())), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(dkim_zone_line("wild", "DOMAIN", key->dns_record())), std::string::npos)
      << r.output;

  auto bad =
      dir.write("bad.conf", "[[dkim.key]]\ndomain = \"example.org\"\nselector = \"m1\"\nkey_file = \"" +
                                (dir / "missing.key").string() + "\"\n");
  auto e = ctl({"-c", bad.string(), "dns-records"});
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.output.find("missing.key"), std::string::npos) << e.output;
}

}  // namespace
}  // namespace postern::test
