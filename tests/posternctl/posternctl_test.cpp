// Runs the built posternctl binary as an admin would: exit codes, messages and output; usage
// errors (exit 64, the synopsis on stderr, nothing done), help that fits 80 columns, inputs that
// are not messages.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/harness/config_sections.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

test::CommandResult ctl(std::vector<std::string> args) {
  args.insert(args.begin(), POSTERNCTL);
  return test::run_command(args);
}

struct Streams {
  int exit_code = -1;
  std::string out, err;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs posternctl with stdin from /dev/null and stdout and stderr kept apart (in files in dir).
Streams ctl_streams(const test::TempDir& dir, std::vector<std::string> args) {
  static int runs = 0;
  std::string prefix = (dir / ("run" + std::to_string(runs++))).string();
  args.insert(args.begin(), POSTERNCTL);
  Streams r;
  {
    test::Process p(args, prefix);
    auto st = p.wait(std::chrono::seconds(60));
    if (!st) {
      p.stop();
      r.err = "timed out";
      return r;
    }
    r.exit_code = WIFEXITED(*st) ? WEXITSTATUS(*st) : -1;
  }
  r.out = slurp(prefix + ".out");
  r.err = slurp(prefix + ".err");
  return r;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// Every line of text at most 80 columns (bytes: the help is ASCII), but for error lines
// ("posternctl: ..."), which may quote what the user typed.
void expect_fits_80_columns(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("posternctl: ", 0) != 0) {
      EXPECT_LE(line.size(), 80u) << what << ": " << line;
    }
  }
}

TEST(Posternctl, HelpListsCommands) {
  auto r = ctl({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("config check"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sender check"), std::string::npos) << r.output;
}

TEST(Posternctl, UnknownCommandIsAUsageError) {
  auto r = ctl({"frobnicate"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.output.find("unknown command"), std::string::npos) << r.output;
}

TEST(Posternctl, ConfigCheckAcceptsTheExampleAndPrintsTheEffectiveConfig) {
  auto r = ctl({"config", "check", "-c", std::string(POSTERN_SOURCE_DIR) + "/etc/postern.conf.example"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("ok ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("[store]\nbackend = \"lmdb\""), std::string::npos) << r.output;
}

TEST(Posternctl, ConfigCheckRejectsBadConfigWithExit78AndFileLineKey) {
  test::TempDir dir;
  auto conf = dir.write("postern.conf", "[store]\nbackend = \"postgres\"\n");
  auto r = ctl({"-c", conf.string(), "config", "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(conf.string() + ":2: store.backend: expected one of lmdb, redis"),
            std::string::npos)
      << r.output;
}

TEST(Posternctl, MissingConfigIsExit78) {
  test::TempDir dir;
  auto r = ctl({"-c", (dir / "none.conf").string(), "config", "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
}

// Issue 15 item 2: deep nesting after a multi-line string with an odd number of quotes killed
// config check with SIGSEGV (a pre-scan fooled by the quote let it reach a recursive parser).
TEST(Posternctl, ConfigCheckRefusesHostileTomlWithExit78NotACrash) {
  test::TempDir dir;
  const size_t n = 100000;
  const std::string odd = "[dmarc]\nreject_text = '''\nthe sender's domain\n'''\n";
  std::string dotted = "a";
  for (size_t i = 0; i < n; ++i) dotted += ".a";
  for (const std::string& tail :
       {"a = " + std::string(n, '[') + std::string(n, ']') + "\n", dotted + " = 1\n"}) {
    auto conf = dir.write("postern.conf", odd + tail);
    auto r = ctl({"-c", conf.string(), "config", "check"});
    EXPECT_EQ(r.exit_code, 78) << r.output.substr(0, 300);
    EXPECT_NE(r.output.find(conf.string() + ":5: "), std::string::npos) << r.output.substr(0, 300);
    EXPECT_NE(r.output.find("1 error in"), std::string::npos) << r.output.substr(0, 300);
  }
}

// Issue 15 item 11: config check passed socket specs the daemons refuse at start.
TEST(Posternctl, ConfigCheckRefusesSocketSpecsTheDaemonsRefuse) {
  test::TempDir dir;
  for (const char* bad : {"inet:999.1.1.1:99999", "unix:", "tcp:1.2.3.4:5"}) {
    auto conf = dir.write("postern.conf", std::string("[policyd]\nsocket = \"") + bad + "\"\n");
    auto r = ctl({"-c", conf.string(), "config", "check"});
    EXPECT_EQ(r.exit_code, 78) << bad << ": " << r.output;
    EXPECT_NE(r.output.find(conf.string() + ":2: policyd.socket: \"" + bad + "\""), std::string::npos)
        << r.output;
  }
}

TEST(Posternctl, SenderCheckUsesTheConfiguredMaps) {
  test::TempDir dir;
  auto map = dir.write("senders", "sales@example.org alice@example.org\n");
  auto conf = dir.write("postern.conf", "[sender]\nlogin_maps = [\"" + map.string() + "\"]\n");
  auto yes =
      ctl({"-c", conf.string(), "sender", "check", "--login", "alice@example.org", "sales@example.org"});
  EXPECT_EQ(yes.exit_code, 0);
  EXPECT_EQ(yes.output.rfind("allowed\n", 0), 0u) << yes.output;
  auto no = ctl({"-c", conf.string(), "sender", "check", "--login", "bob@example.org", "sales@example.org"});
  EXPECT_EQ(no.exit_code, 0);
  EXPECT_EQ(no.output.rfind("denied\n", 0), 0u) << no.output;
  auto null = ctl({"-c", conf.string(), "sender", "check", "--login", "bob@example.org", "<>"});
  EXPECT_EQ(null.output.rfind("denied\n", 0), 0u) << null.output;
}

TEST(Posternctl, GreylistAllowListDeletePurge) {
  test::TempDir dir;
  auto conf = dir.write("postern.conf", test::lmdb_store_section(dir / "state"));
  auto allow = ctl({"-c", conf.string(), "greylist", "allow", "192.0.2.9"});
  EXPECT_EQ(allow.exit_code, 0) << allow.output;
  EXPECT_EQ(allow.output.rfind("allowed 192.0.2.0/24", 0), 0u) << allow.output;
  auto list = ctl({"-c", conf.string(), "greylist", "list"});
  EXPECT_NE(list.output.find("192.0.2.0/24  5"), std::string::npos) << list.output;
  auto del = ctl({"-c", conf.string(), "greylist", "delete", "gl:a:192.0.2.0/24"});
  EXPECT_EQ(del.output, "removed 1\n");
  EXPECT_EQ(ctl({"-c", conf.string(), "greylist", "list"}).output.find("192.0.2.0/24"), std::string::npos);
  EXPECT_EQ(ctl({"-c", conf.string(), "greylist", "purge"}).exit_code, 0);
}

TEST(Posternctl, DnsblCheckScoresAgainstTheConfiguredListsThroughDnsOverride) {
  test::TestDnsServer dns;
  dns.add("9.2.0.192.bl.test", "A", "127.0.0.2");
  dns.add("9.2.0.192.err.test", "A", "127.255.255.254");
  test::TempDir dir;
  auto conf = dir.write("postern.conf",
                        "[policyd.dnsbl]\nip_lists = [\"bl.test=127.0.0.[2..11]*4\", \"err.test*9\"]\n"
                        "reject_threshold = 4\n");
  auto r = ctl({"-c", conf.string(), "--dns", dns.address(), "dnsbl", "check", "192.0.2.9"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("reject 4\n", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("bl.test: 9.2.0.192.bl.test -> 127.0.0.2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("error code 127.255.255.254"), std::string::npos) << r.output;
  auto clean = ctl({"-c", conf.string(), "--dns", dns.address(), "dnsbl", "check", "192.0.2.10"});
  EXPECT_EQ(clean.output.rfind("clean 0\n", 0), 0u) << clean.output;
}

// Each bad command line: exit 64, "posternctl: WHY" and the command's synopsis on stderr, nothing
// on stdout, and nothing done: the store is never opened (its directory is never made), no key
// file is written, no password is asked for.
TEST(Posternctl, BadArgumentsAreUsageErrorsBeforeAnything) {
  test::TempDir dir;
  auto state = dir / "state";
  auto keys = dir / "keys";
  std::filesystem::create_directory(keys);
  auto conf = dir.write("postern.conf", "[store]\nlmdb_path = \"" + state.string() + "\"\n").string();
  struct Case {
    std::vector<std::string> args;
    std::string synopsis;  // the start of the synopsis expected on stderr
    std::string why;       // a part of the error message
  };
  const std::string kd = keys.string();
  const std::vector<Case> cases = {
      {{"lockout", "list", "--limit", "abc"}, "lockout list", "not a number"},
      {{"lockout", "list", "--limit", "99999999999999999999"}, "lockout list", "out of range"},
      {{"lockout", "list", "--limit", "-1"}, "lockout list", "not a number"},
      {{"lockout", "list", "--limit", "1e3"}, "lockout list", "not a number"},
      {{"lockout", "list", "--limit", "0x10"}, "lockout list", "not a number"},
      {{"lockout", "list", "--limit", "0"}, "lockout list", "out of range"},
      {{"lockout", "list", "--limit"}, "lockout list", "missing value for --limit"},
      {{"lockout", "list", "--frob"}, "lockout list", "unknown option"},
      {{"lockout", "list", "extra"}, "lockout list", "unexpected argument"},
      {{"lockout", "unlock"}, "lockout unlock", "missing argument"},
      {{"lockout", "unlock", "a", "b"}, "lockout unlock", "unexpected argument"},
      {{"greylist", "list", "--limit", "0x10"}, "greylist list", "not a number"},
      {{"greylist", "list", "--limit", "12abc"}, "greylist list", "not a number"},
      {{"greylist", "allow", "1.2.3.4/99"}, "greylist allow", "prefix length out of range"},
      {{"greylist", "allow", "1.2.3.4/"}, "greylist allow", "prefix length"},
      {{"greylist", "allow", "2001:db8::/129"}, "greylist allow", "prefix length out of range"},
      {{"greylist", "allow", "not-an-ip"}, "greylist allow", "not an IP address"},
      {{"greylist", "allow"}, "greylist allow", "missing argument"},
      {{"greylist", "delete"}, "greylist delete", "missing argument"},
      {{"greylist", "purge", "now"}, "greylist purge", "unexpected argument"},
      {{"dkim", "keygen", "--domain", "example.com", "--selector", "s", "--bits", "2048x", "--out", kd},
       "dkim keygen",
       "--bits: \"2048x\" is not a number"},
      {{"dkim", "keygen", "--domain", "example.com", "--selector", "s", "--bits", "512", "--out", kd},
       "dkim keygen",
       "out of range 1024..8192"},
      {{"dkim", "keygen", "--domain", "example.com", "--selector", "s", "--type", "dsa", "--out", kd},
       "dkim keygen",
       "not one of rsa, ed25519"},
      {{"dkim", "keygen", "--domain", "example.com", "--selector", "s", "--type", "ed25519", "--bits", "2048",
        "--out", kd},
       "dkim keygen",
       "--bits is for rsa keys only"},
      {{"dkim", "keygen", "--selector", "s", "--out", kd}, "dkim keygen", "--domain"},
      {{"dkim", "keygen", "--domain", "example.com", "--selector", "s", "--out", kd, "extra"},
       "dkim keygen",
       "unexpected argument"},
      {{"dkim", "sign", "--domain", "example.com", "--selector", "s"}, "dkim sign", "--key"},
      {{"dkim", "verify", "a", "b"}, "dkim verify", "unexpected argument"},
      {{"passwd", "--rounds", "abc"}, "passwd", "--rounds: \"abc\" is not a number"},
      {{"passwd", "--rounds", "999"}, "passwd", "out of range 1000..1000000"},
      {{"passwd", "--rounds", "1e4"}, "passwd", "not a number"},
      {{"passwd", "--rounds", "5000", "--rounds", "6000"}, "passwd", "more than once"},
      {{"dmarc", "record"}, "dmarc record", "missing argument"},
      {{"dmarc", "record", "bad..name"}, "dmarc record", "not a domain name"},
      {{"dmarc", "check", "--from"}, "dmarc check", "missing value for --from"},
      {{"dmarc", "check", "--from", "example.net", "--dkim-domain", "x.example"},
       "dmarc check",
       "--dkim-result"},
      {{"dmarc", "check", "--from", "example.net", "--ip", "300.1.1.1"}, "dmarc check", "--ip"},
      {{"spf", "--ip", "192.0.2.1", "--sender", "a@b.example", "extra"}, "spf", "unexpected argument"},
      {{"spf", "--ip", "nonsense", "--sender", "a@b.example"}, "spf", "--ip"},
      {{"spf", "--sender", "a@b.example"}, "spf", "--ip is required"},
      {{"dnsbl", "check"}, "dnsbl check", "missing argument"},
      {{"dnsbl", "check", "192.0.2.1", "--domain"}, "dnsbl check", "missing value for --domain"},
      {{"sender", "check", "--login"}, "sender check", "missing value for --login"},
      {{"sender", "check", "a@b.example"}, "sender check", "--login is required"},
      {{"config", "check", "extra"}, "config check", "unexpected argument"},
      {{"version", "--verbose"}, "version", "unknown option"},
      {{"dns-records", "--ip"}, "dns-records", "missing value for --ip"},
      {{"dns-records", "--check=yes"}, "dns-records", "--check takes no value"},
      {{"greylist", "list", "--dns", "not-a-server"}, "greylist list", "--dns"},
  };
  for (auto c : cases) {
    std::string what = joined(c.args);
    c.args.insert(c.args.begin(), {"-c", conf});
    auto r = ctl_streams(dir, c.args);
    EXPECT_EQ(r.exit_code, 64) << what << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("posternctl: ", 0), 0u) << what << "\n" << r.err;
    EXPECT_NE(r.err.find(c.why), std::string::npos) << what << "\n" << r.err;
    EXPECT_NE(r.err.find("usage: posternctl " + c.synopsis), std::string::npos) << what << "\n" << r.err;
    EXPECT_EQ(r.err.find("Password"), std::string::npos) << what << "\n" << r.err;
    EXPECT_EQ(r.out, "") << what;
    expect_fits_80_columns(r.err, what);
  }
  EXPECT_FALSE(std::filesystem::exists(state)) << "a usage error opened the store";
  EXPECT_TRUE(std::filesystem::is_empty(keys)) << "a usage error wrote a key file";
}

TEST(Posternctl, BadGlobalOptionsAreUsageErrors) {
  test::TempDir dir;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--frob", "version"}, {"-c"}, {"--dns"}, {"--dns", "300.0.0.1:53", "version"}, {}}) {
    auto r = ctl_streams(dir, args);
    EXPECT_EQ(r.exit_code, 64) << joined(args) << "\n" << r.err;
    EXPECT_NE(r.err.find("usage: posternctl [-c FILE]"), std::string::npos) << joined(args) << "\n" << r.err;
    EXPECT_EQ(r.out, "");
  }
  auto unknown = ctl_streams(dir, {"greylist", "frob"});
  EXPECT_EQ(unknown.exit_code, 64);
  EXPECT_NE(unknown.err.find("unknown subcommand for greylist"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("posternctl greylist list [--limit N]"), std::string::npos) << unknown.err;
}

TEST(Posternctl, GreylistAllowTakesTheClientNetworkOfANarrowerNetworkAndRefusesAWiderOne) {
  test::TempDir dir;
  auto conf = dir.write("postern.conf", test::lmdb_store_section(dir / "state"));
  auto narrow = ctl({"-c", conf.string(), "greylist", "allow", "192.0.2.16/28"});
  EXPECT_EQ(narrow.exit_code, 0) << narrow.output;
  EXPECT_EQ(narrow.output.rfind("allowed 192.0.2.0/24", 0), 0u) << narrow.output;
  auto wide = ctl_streams(dir, {"-c", conf.string(), "greylist", "allow", "192.0.0.0/16"});
  EXPECT_EQ(wide.exit_code, 1) << wide.err;
  EXPECT_NE(wide.err.find("192.0.0.0/16 is wider than a greylisting client network (/24"), std::string::npos)
      << wide.err;
  auto list = ctl({"-c", conf.string(), "greylist", "list"});
  EXPECT_EQ(list.output.find("192.0.0.0"), std::string::npos) << list.output;
}

// The names "config check", "dkim keygen", ... from the Commands section of posternctl --help.
std::vector<std::vector<std::string>> listed_commands(const std::string& help) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(help);
  std::string line;
  bool in_commands = false;
  while (std::getline(in, line)) {
    if (line == "Commands:") {
      in_commands = true;
      continue;
    }
    if (!in_commands || line.empty()) {
      if (in_commands && line.empty()) break;
      continue;
    }
    if (line.size() < 3 || line[2] == ' ') continue;  // a summary's continuation line
    // The command's words are separated by one space; the summary follows after two or more.
    std::vector<std::string> words;
    size_t pos = 2;
    while (pos < line.size() && line[pos] != ' ') {
      size_t end = line.find(' ', pos);
      if (end == std::string::npos) end = line.size();
      words.push_back(line.substr(pos, end - pos));
      if (end + 1 >= line.size() || line[end + 1] == ' ') break;
      pos = end + 1;
    }
    out.push_back(words);
  }
  return out;
}

TEST(Posternctl, HelpFitsEightyColumnsAndEveryCommandHasItsOwn) {
  test::TempDir dir;
  auto help = ctl_streams(dir, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.err, "");
  expect_fits_80_columns(help.out, "posternctl --help");
  auto commands = listed_commands(help.out);
  EXPECT_GE(commands.size(), 18u) << help.out;
  for (auto args : commands) {
    std::string name = joined(args);
    for (const char* flag : {"--help", "-h"}) {
      auto words = args;
      words.push_back(flag);
      auto r = ctl_streams(dir, words);
      EXPECT_EQ(r.exit_code, 0) << name << " " << flag << "\n" << r.err;
      EXPECT_EQ(r.out.rfind("usage: posternctl " + name, 0), 0u) << r.out;
      expect_fits_80_columns(r.out, name + " --help");
    }
    // posternctl greylist --help, posternctl dmarc report --help: the group's synopses
    for (size_t n = 1; n < args.size(); ++n) {
      std::vector<std::string> group(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(n));
      group.push_back("--help");
      auto r = ctl_streams(dir, group);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_NE(r.out.find("posternctl " + name), std::string::npos) << r.out;
      expect_fits_80_columns(r.out, joined(group));
    }
  }
  auto keygen = ctl_streams(dir, {"dkim", "keygen", "--help"});
  EXPECT_NE(keygen.out.find("--bits N"), std::string::npos) << keygen.out;
  EXPECT_NE(keygen.out.find("1024..8192"), std::string::npos) << keygen.out;
}

// dkim verify and sign on something that is not a message: exit 1, the file named, no verdict.
TEST(Posternctl, DkimVerifyRefusesInputsThatAreNotMessages) {
  test::TempDir dir;
  auto conf = dir.write("postern.conf", "").string();
  std::filesystem::create_directory(dir / "a-directory");
  auto nul = dir.write("nul.eml", std::string("Subject: x\n\nbody\0with a NUL\n", 27));
  auto binary = dir.write("binary", std::string("\x7f"
                                                "ELF\x02\x01\x01\n\xff\xfe garbage\n"));
  auto big = dir / "big.eml";
  {
    std::ofstream f(big);
    f << "Subject: big\n\n";
  }
  std::filesystem::resize_file(big, 64 * 1024 * 1024 + 1);  // sparse: costs no disk
  auto fifo = dir / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  struct Case {
    std::string file, why;
  };
  const std::vector<Case> cases = {
      {(dir / "a-directory").string(), "is a directory"},
      {nul.string(), "contains a NUL byte"},
      {binary.string(), "not a message"},
      {big.string(), "larger than 67108864 bytes"},
      {fifo.string(), "not a regular file"},
      {(dir / "missing.eml").string(), "No such file"},
  };
  for (const auto& c : cases) {
    auto r = ctl_streams(dir, {"-c", conf, "dkim", "verify", c.file});
    EXPECT_EQ(r.exit_code, 1) << c.file << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.file << ": no verdict for what is not a message";
    EXPECT_NE(r.err.find("posternctl: " + c.file + ": "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.why), std::string::npos) << r.err;
  }
  auto key = dir / "k.key";
  ASSERT_EQ(ctl_streams(dir, {"dkim", "keygen", "--domain", "example.com", "--selector", "k", "--type",
                              "ed25519", "--out", dir.str()})
                .exit_code,
            0);
  std::filesystem::rename(dir / "example.com.k.key", key);
  for (const auto& c : cases) {
    auto r = ctl_streams(dir, {"-c", conf, "dkim", "sign", "--domain", "example.com", "--selector", "k",
                               "--key", key.string(), c.file});
    EXPECT_EQ(r.exit_code, 1) << c.file << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.file;
    EXPECT_NE(r.err.find(c.why), std::string::npos) << r.err;
  }
  auto fifo_key = ctl_streams(dir, {"-c", conf, "dkim", "sign", "--domain", "example.com", "--selector", "k",
                                    "--key", fifo.string(), nul.string()});
  EXPECT_EQ(fifo_key.exit_code, 1);
  EXPECT_NE(fifo_key.err.find(fifo.string() + ": not a regular file"), std::string::npos) << fifo_key.err;
  // A message without a signature is still "none", exit 0.
  auto plain = dir.write("plain.eml", "From: a@example.com\nSubject: hi\n\nbody\n");
  auto none = ctl_streams(dir, {"-c", conf, "dkim", "verify", plain.string()});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out.rfind("none\n", 0), 0u) << none.out;
}

// passwd reads one bounded line: a stream with no newline is refused after kMaxPasswordLength
// bytes, not read into memory to the end.
TEST(Posternctl, PasswdReadsOneBoundedLine) {
  auto ok = test::run_command({POSTERNCTL, "passwd"}, "new password");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output.rfind("{SHA512-CRYPT}$6$", 0), 0u) << ok.output;
  auto rounds = test::run_command({POSTERNCTL, "passwd", "--rounds", "6000"}, "pw\n");
  EXPECT_NE(rounds.output.find("$6$rounds=6000$"), std::string::npos) << rounds.output;
  auto endless = test::run_command({POSTERNCTL, "passwd"}, std::string(4 * 1024 * 1024, '\0'));
  EXPECT_EQ(endless.exit_code, 1) << endless.output.substr(0, 200);
  EXPECT_NE(endless.output.find("password longer than 511 bytes refused"), std::string::npos);
  auto nul = test::run_command({POSTERNCTL, "passwd"}, std::string("a\0b\n", 4));
  EXPECT_EQ(nul.exit_code, 1);
  EXPECT_NE(nul.output.find("NUL byte"), std::string::npos) << nul.output;
  auto none = test::run_command({POSTERNCTL, "passwd"}, "");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.output.find("no password given"), std::string::npos) << none.output;
}

// The long options one command's --help lists ("--limit", "--config", ...).
std::vector<std::string> listed_options(const std::string& help) {
  std::vector<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_options = false;
  while (std::getline(in, line)) {
    if (line == "Options:") {
      in_options = true;
    } else if (in_options && line.empty()) {
      break;
    } else if (in_options && line.rfind("  -", 0) == 0) {
      std::istringstream words(line);
      std::string w;
      while (words >> w) {
        if (w.back() == ',') w.pop_back();
        if (w.rfind("--", 0) == 0) out.push_back(w);
      }
    }
  }
  return out;
}

// The bash completion script completes every command, subcommand and option that posternctl's
// own help lists: run under bash, as a user's TAB would.
TEST(Posternctl, BashCompletionKnowsEveryCommandAndOption) {
  test::TempDir dir;
  const std::string script = std::string(POSTERN_SOURCE_DIR) + "/tools/posternctl/posternctl.bash-completion";
  auto help = ctl_streams(dir, {"--help"});
  auto commands = listed_commands(help.out);
  ASSERT_GE(commands.size(), 18u);
  // One bash run: "WORDS|REPLY" per line, completing after "posternctl", after each command name,
  // and "--" after each full command.
  std::string bash = "source '" + script +
                     "'\n"
                     "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _posternctl; "
                     "echo \"$*|${COMPREPLY[*]}\"; }\n"
                     "t posternctl ''\n";
  for (const auto& c : commands) {
    for (size_t n = 1; n < c.size(); ++n) {
      std::vector<std::string> before(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n));
      bash += "t posternctl " + joined(before) + " ''\n";
    }
    bash += "t posternctl " + c[0] + " ''\n";
    bash += "t posternctl " + joined(c) + " --\n";
  }
  auto r = test::run_command({"bash", "--norc", "-c", bash});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> replies;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    size_t bar = line.find('|');
    if (bar != std::string::npos) replies[line.substr(0, bar)] = " " + line.substr(bar + 1) + " ";
  }
  for (const auto& c : commands) {
    EXPECT_NE(replies["posternctl "].find(" " + c[0] + " "), std::string::npos)
        << c[0] << " is not completed: " << replies["posternctl "];
    for (size_t n = 1; n < c.size(); ++n) {
      std::vector<std::string> before(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_NE(replies["posternctl " + joined(before) + " "].find(" " + c[n] + " "), std::string::npos)
          << joined(c) << " is not completed";
    }
    auto words = c;
    words.push_back("--help");
    const std::string& got = replies["posternctl " + joined(c) + " --"];
    for (const auto& opt : listed_options(ctl_streams(dir, words).out)) {
      EXPECT_NE(got.find(" " + opt + " "), std::string::npos)
          << joined(c) << ": " << opt << " is not completed";
    }
  }
}

}  // namespace
}  // namespace postern
