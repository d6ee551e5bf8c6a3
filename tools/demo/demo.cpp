// postern-demo: starts, in one temporary directory on 127.0.0.1 ports chosen at run time, a test
// DNS server with demo zones, a private Dovecot and a private Postfix wired together, with the
// Postern configuration and the embedded LMDB store; sends example mail, runs posternctl, and
// prints what happened. Everything is stopped and removed at the end (POSTERN_KEEP_TMP=1 keeps
// the directory). Exit status 0 when every step behaved as expected. Each scene is one function of
// Demo, run in order by main(); the scenes after the start share the running instances.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "common/config/config.h"
#include "common/dns/factory.h"
#include "common/store/factory.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"
#include "tests/harness/test_cert.h"

namespace {

int failures = 0;

void section(const std::string& title) { std::cout << "\n== " << title << "\n"; }

void check(bool ok, const std::string& what, const std::string& detail = "") {
  std::cout << (ok ? "  [ok]   " : "  [FAIL] ") << what;
  std::string d = detail;
  while (!d.empty() && (d.back() == '\n' || d.back() == ' ')) d.pop_back();
  if (d.size() > 240) d = d.substr(0, 237) + "...";
  if (!d.empty()) std::cout << "\n         " << d;
  std::cout << "\n";
  if (!ok) ++failures;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// A header field from "Name: ..." with its folded continuation lines joined.
std::string unfolded_field(const std::string& s) {
  std::string out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    std::string line = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!out.empty() && (line.empty() || (line[0] != ' ' && line[0] != '\t'))) break;
    size_t text = out.empty() ? 0 : line.find_first_not_of(" \t");
    out += (out.empty() ? "" : " ") + line.substr(text == std::string::npos ? line.size() : text);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

using namespace postern;
using namespace postern::test;

// The paths of the binaries the demo runs, from one build directory.
struct Binaries {
  explicit Binaries(const std::string& build_dir)
      : ctl(build_dir + "/tools/posternctl/posternctl"),
        policyd(build_dir + "/policyd/postern-policyd"),
        milter(build_dir + "/milter/postern-milter"),
        auth_module(build_dir + "/dovecot-plugin/libauthdb_postern.so") {}
  std::string ctl, policyd, milter, auth_module;
};

// The demo's world: the work directory, the DNS server, the configuration and, once started, the
// daemons, Dovecot and Postfix. Destroyed in reverse order at the end.
class Demo {
 public:
  explicit Demo(const Binaries& bin) : bin_(bin), work_("postern-demo") {
    std::cout << "Postern demo. Everything runs on 127.0.0.1 under " << work_.str() << "\n";
  }

  void dns_zones() {
    section("DNS: a local server with the demo zones (Postern's resolver is pointed at it)");
    dns_.add("example.org", "MX", "10 mx.example.org.");
    dns_.add("mx.example.org", "A", "127.0.0.1");
    dns_.add("example.org", "TXT", "\"v=spf1 ip4:127.0.0.0/8 -all\"");
    dns_.add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org\"");
    dns_.add("bank.test", "TXT", "\"v=spf1 -all\"");
    dns_.add("_dmarc.bank.test", "TXT", "\"v=DMARC1; p=reject\"");
    dns_.add("66.2.0.192.bl.demo", "A", "127.0.0.2");  // a listed client for the DNSBL
    std::cout << "  test DNS server on " << dns_.address() << "\n";
  }

  // The Postern configuration of this demo: LMDB state in the work directory, our DNS server,
  // sender ownership from a login map, users hashed by posternctl passwd (SHA512-CRYPT), the DKIM
  // key of example.org made by posternctl and published in the demo zone, send limits, the report log.
  void write_config() {
    std::string users;
    for (const auto& [user, pw] : kUsers) {
      auto h = run_command({bin_.ctl, "passwd"}, pw);
      users += std::string(user) + ":" + first_line(h.output) + "::::::\n";
    }
    auto users_file = work_.write("users", users);
    chmod(users_file.c_str(), 0644);
    std::filesystem::create_directories(work_ / "dkim");
    auto kg = run_command({bin_.ctl, "dkim", "keygen", "--domain", "example.org", "--selector", "demo",
                           "--out", (work_ / "dkim").string()});
    std::string key_file = (work_ / "dkim" / "example.org.demo.key").string();
    chmod(key_file.c_str(),
          0644);  // demo only: the milter runs as nobody here; packaged keys are 0600 postern
    if (size_t at = kg.output.find("._domainkey."); at != std::string::npos) {
      size_t open = kg.output.find("( ", at), close = kg.output.find(" )", at);
      if (open != std::string::npos && close != std::string::npos)
        dns_.add("demo._domainkey.example.org", "TXT", kg.output.substr(open + 2, close - open - 2));
    }
    auto senders = work_.write("senders",
                               "# address              logins allowed to send as it\n"
                               "sales@example.org      alice@example.org, bob@example.org\n");
    report_log_ = work_.write("dmarc.log", "").string();
    chmod(report_log_.c_str(), 0666);  // demo only: the milter runs as nobody here
    conf_ =
        work_
            .write("postern.conf",
                   "[log]\ndestination = \"stderr\"\n"
                   "[dns]\nservers = [\"" +
                       dns_.address() +
                       "\"]\ntimeout = \"500ms\"\n"
                       "[store]\nlmdb_path = \"" +
                       (work_ / "state").string() +
                       "\"\n"
                       "[dmarc]\nenforce = true\nreport_log = \"" +
                       report_log_ +
                       "\"\n"
                       "[dmarc.reports]\norg_name = \"Postern demo\"\nfrom = \"dmarc-reports@example.org\"\n"
                       "[[dkim.key]]\ndomain = \"example.org\"\nselector = \"demo\"\nkey_file = \"" +
                       key_file +
                       "\"\n"
                       "[sender]\nmode = \"enforce\"\nlogin_maps = [\"" +
                       senders.string() +
                       "\"]\n"
                       "[milter]\nsocket = \"unix:" +
                       (work_ / "milter.sock").string() +
                       "\"\nuser = \"nobody\"\ngroup = \"postfix\"\nauthserv_id = \"mx.example.org\"\n"
                       "[policyd]\nsocket = \"inet:127.0.0.1:" +
                       std::to_string(policy_port_) +
                       "\"\nuser = \"nobody\"\ngroup = \"nogroup\"\n"
                       "[policyd.greylist]\ndelay = 2\n"
                       "[policyd.dnsbl]\nip_lists = [\"bl.demo=127.0.0.[2..11]*10\"]\n"
                       "[policyd.ratelimit]\nenabled = true\naction = \"defer\"\n"
                       "[[policyd.ratelimit.limit]]\nby = \"login\"\nwindow = \"1h\"\nmessages = " +
                       std::to_string(kSendLimit) +
                       "\n"
                       "[auth]\npasswd_file = \"" +
                       users_file.string() +
                       "\"\n"
                       "[auth.lockout]\nuser_failures = 3\nipv4_prefix = 24\nrefusal_delay = \"1s\"\n")
            .string();
  }

  void config_check() {
    section("Configuration: posternctl config check");
    auto cc = ctl({"config", "check"});
    check(cc.exit_code == 0, "posternctl config check -c " + conf_, first_line(cc.output));
  }

  // False when the configuration cannot be loaded: never go on with built-in defaults, they point
  // at the system's /var/lib/postern.
  bool core() {
    section("Core: resolver and LMDB store from that configuration");
    auto load = load_config(conf_);
    if (!load.ok()) {
      std::cerr << "postern-demo: the demo configuration is invalid: " << load.errors.front().str() << "\n";
      return false;
    }
    SystemClock clock;
    auto resolver = make_resolver(load.config.dns, clock);
    if (resolver) {
      auto txt =
          (*resolver)->query("_dmarc.example.org", RrType::TXT, Deadline::after(std::chrono::seconds(2)));
      check(txt.ok() && !txt.records.empty(), "TXT _dmarc.example.org via Postern's resolver",
            txt.ok() ? txt.records.front().text : to_string(txt.status));
      auto nx =
          (*resolver)->query("nothing.example.org", RrType::A, Deadline::after(std::chrono::seconds(2)));
      check(nx.status == DnsStatus::nxdomain, "A nothing.example.org is NXDOMAIN", to_string(nx.status));
    } else {
      check(false, "resolver from [dns]", resolver.error().message);
    }
    auto store = make_store(load.config.store, clock, false);
    if (store) {
      auto n = (*store)->increment("demo:counter", 1, Seconds(60));
      check(n.ok() && *n == 1, "LMDB store at " + load.config.store.lmdb_path + ": atomic counter", "");
    } else {
      check(false, "store from [store]", store.error().message);
    }
    return true;
  }

  void start_dovecot() {
    section("Dovecot: a private instance (IMAP on loopback) with passdb driver = postern");
    // Dovecot's auth process runs as user dovecot and shares the LMDB state with the daemons.
    chmod(work_.path().c_str(), 0755);
    chmod((work_ / "state").c_str(), 0777);
    for (const char* f : {"data.mdb", "lock.mdb"}) chmod((work_ / "state" / f).c_str(), 0666);
    DovecotOptions dopt;
    for (const auto& [user, pw] : kUsers) dopt.users[user] = pw;
    plugin_ = run_command({"unshare", "--mount", "true"}).exit_code == 0;
    if (plugin_) {
      // Dovecot loads auth modules from its own directory only: the harness binds a copy holding
      // the freshly built module over it, in a private mount namespace.
      dopt.passdb_conf = "passdb {\n  driver = postern\n  args = " + conf_ + "\n}\n";
      dopt.auth_modules = {bin_.auth_module};
      dopt.extra_conf = "service auth {\n  vsz_limit = 4G\n}\n";  // room to map the LMDB store
    } else {
      std::cout
          << "  (mount namespaces are not permitted here: Dovecot's own passwd-file passdb is used and\n"
             "   the lockout scene is skipped; install the dovecot-postern package to try it)\n";
    }
    dovecot_ = std::make_unique<DovecotInstance>(dopt);
    std::cout << "  IMAP 127.0.0.1:" << dovecot_->imap_port()
              << ", auth for Postfix 127.0.0.1:" << dovecot_->auth_port() << "\n";
    auto good = imap_login(dovecot_->imap_port(), "alice@example.org", "alice-pass");
    check(good.ok, "IMAP LOGIN alice with her password", good.text);
    auto bad = imap_login(dovecot_->imap_port(), "alice@example.org", "guess");
    check(!bad.ok, "IMAP LOGIN alice with a wrong password is refused", bad.text);
  }

  void start_daemons() {
    section("postern-policyd: greylisting and DNS lists for Postfix (check_policy_service)");
    policyd_ = std::make_unique<Process>(std::vector<std::string>{bin_.policyd, "-f", "-c", conf_},
                                         (work_ / "policyd").string());
    check(wait_for_tcp(policy_port_),
          "postern-policyd listening on inet:127.0.0.1:" + std::to_string(policy_port_), policyd_->output());
    section("postern-milter: sender ownership for authenticated users (smtpd_milters)");
    chmod(work_.path().c_str(), 0755);  // Postfix's smtpd (user postfix) must reach the socket
    milter_ = std::make_unique<Process>(std::vector<std::string>{bin_.milter, "-f", "-c", conf_},
                                        (work_ / "milter").string());
    check(wait_for_unix((work_ / "milter.sock").string()),
          "postern-milter listening on unix:" + (work_ / "milter.sock").string(), milter_->output());
  }

  void start_postfix() {
    section(
        "Postfix: a private instance, submission with SASL through Dovecot, policy service on the MX port");
    const std::string policy = "check_policy_service inet:127.0.0.1:" + std::to_string(policy_port_);
    PostfixOptions popt;
    popt.submission = true;
    popt.dovecot_auth_port = dovecot_->auth_port();
    popt.main_cf["smtpd_recipient_restrictions"] = "reject_unauth_destination, " + policy;
    popt.main_cf["smtpd_milters"] = "unix:" + (work_ / "milter.sock").string();
    popt.main_cf["local_header_rewrite_clients"] = "";  // treat our loopback client as remote
    // Send limits per login; master.cf -o values take no spaces.
    popt.submission_options["smtpd_end_of_data_restrictions"] =
        "check_policy_service,inet:127.0.0.1:" + std::to_string(policy_port_);
    popt.mailboxes = {"alice@example.org", "bob@example.org", "sales@example.org"};
    postfix_ = std::make_unique<PostfixInstance>(popt);
    std::cout << "  MX 127.0.0.1:" << postfix_->smtp_port()
              << ", submission 127.0.0.1:" << postfix_->submission_port() << "\n";
    SmtpSend sub = submission("alice@example.org", "alice-pass");
    sub.to = {"bob@example.org"};
    sub.message = "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: lunch?\n\nNoon?\n";
    auto r = smtp_send(sub);
    check(r.code == 250, "alice submits mail to bob (authenticated)", first_line(r.text));
    check(postfix_->wait_for_messages("bob@example.org", 1), "delivered to bob's mailbox");
    sub.password = "guess";
    r = smtp_send(sub);
    check(r.code == 535, "a wrong SMTP AUTH password is refused", first_line(r.text));
  }

  void inbound() {
    section("Inbound mail: greylisted first, accepted on retry; a DNSBL-listed client rejected");
    SmtpSend in = outside("ADDR=203.0.113.5 NAME=[UNAVAILABLE]");
    in.message = "From: news@sender.test\nTo: alice@example.org\nSubject: newsletter\n\nHello Alice\n";
    auto first = smtp_send(in);
    check(first.code == 450, "first attempt from 203.0.113.5 is greylisted", first_line(first.text));
    SmtpReply retry;
    bool accepted = wait_until(
        [&] {
          retry = smtp_send(in);
          return retry.code == 250;
        },
        std::chrono::seconds(20));
    check(accepted, "the retry after the 2 s delay is accepted", first_line(retry.text));
    bool delivered = postfix_->wait_for_messages("alice@example.org", 1);
    std::string header;
    if (delivered) {
      const std::string msg = postfix_->messages("alice@example.org").back();
      size_t at = msg.find("X-Greylist:");
      if (at != std::string::npos) header = first_line(msg.substr(at));
    }
    check(delivered && !header.empty(), "delivered to alice with an X-Greylist header", header);
    in.xclient = "ADDR=192.0.2.66 NAME=[UNAVAILABLE]";
    auto listed = smtp_send(in);
    check(listed.code == 554, "192.0.2.66, listed in bl.demo, is rejected", first_line(listed.text));
    auto gl = ctl({"greylist", "list"});
    check(gl.output.find("203.0.113.0/24/news@sender.test/alice@example.org") != std::string::npos,
          "posternctl greylist list shows the passed triplet", "");
  }

  void spoofing() {
    section("Spoofing by an authenticated user is refused at SMTP time (postern-milter)");
    SmtpSend spoof = submission("alice@example.org", "alice-pass");
    spoof.to = {"bob@example.org"};
    spoof.from = "ceo@example.org";
    auto env = smtp_send(spoof);
    check(env.code == 553, "alice using MAIL FROM:<ceo@example.org> is rejected", first_line(env.text));
    spoof.from = "alice@example.org";
    spoof.message =
        "From: \"alice@example.org\" <ceo@example.org>\nTo: bob@example.org\nSubject: pay this\n\n.\n";
    auto hdr = smtp_send(spoof);
    check(hdr.code == 550, "alice with From: \"alice@example.org\" <ceo@example.org> is rejected",
          first_line(hdr.text));
    spoof.from = "sales@example.org";
    spoof.message = "From: Sales <sales@example.org>\nTo: bob@example.org\nSubject: offer\n\nhi\n";
    auto sales = smtp_send(spoof);
    check(sales.code == 250, "alice as sales@example.org (she is listed for it) is accepted",
          first_line(sales.text));

    section("Sender ownership: who may send as whom (posternctl sender check)");
    auto own = ctl({"sender", "check", "--login", "alice@example.org", "alice+lists@example.org"});
    check(first_line(own.output) == "allowed", "alice as alice+lists@example.org", own.output.substr(8));
    auto alias = ctl({"sender", "check", "--login", "bob@example.org", "sales@example.org"});
    check(first_line(alias.output) == "allowed", "bob as sales@example.org (listed in the login map)",
          alias.output.substr(8));
    auto forged = ctl({"sender", "check", "--login", "alice@example.org", "ceo@example.org"});
    check(first_line(forged.output) == "denied", "alice as ceo@example.org is denied",
          forged.output.substr(7));
  }

  void lockout() {
    if (!plugin_) return;
    section("Brute-force lockout (Dovecot passdb 'postern'), for SMTP AUTH and IMAP alike");
    auto smtp_auth = [&](const std::string& addr, const std::string& pw) {
      SmtpClient c("127.0.0.1", postfix_->submission_port());
      c.ehlo("client.example");
      c.xclient("ADDR=" + addr + " NAME=[UNAVAILABLE]");
      c.ehlo("client.example");
      auto reply = c.auth_plain("bob@example.org", pw);
      c.quit();
      return reply;
    };
    for (int i = 1; i <= 3; ++i) {
      auto g = smtp_auth("198.51.100." + std::to_string(i), "guess" + std::to_string(i));
      check(g.code == 535,
            "guess " + std::to_string(i) + " for bob from 198.51.100." + std::to_string(i) + " fails",
            first_line(g.text));
    }
    auto locked = smtp_auth("198.51.100.9", "bob-pass");
    check(locked.code == 535, "198.51.100.0/24 is now locked for bob: even his password is refused",
          first_line(locked.text));
    auto home = smtp_auth("192.0.2.10", "bob-pass");
    check(home.code == 235, "bob himself, from another network, logs in", first_line(home.text));
    auto ll = ctl({"lockout", "list"});
    check(ll.output.find("user_network  198.51.100.0/24  bob@example.org") != std::string::npos,
          "posternctl lockout list shows the lock", ll.output.substr(ll.output.find('\n') + 1));
    auto ul = ctl({"lockout", "unlock", "bob@example.org"});
    check(ul.exit_code == 0, "posternctl lockout unlock bob@example.org", first_line(ul.output));
    auto after = smtp_auth("198.51.100.10", "bob-pass");
    check(after.code == 235, "after the unlock bob logs in from 198.51.100.0/24 again",
          first_line(after.text));
  }

  void authentication_results() {
    section("DKIM, SPF, DMARC and Authentication-Results (postern-milter)");
    auto bob_box = postfix_->messages("bob@example.org");
    std::string bobs = bob_box.empty() ? std::string() : bob_box.front();
    size_t at = bobs.find("DKIM-Signature:");
    check(at != std::string::npos && bobs.find("d=example.org", at) != std::string::npos,
          "alice's mail to bob was DKIM-signed for example.org",
          at == std::string::npos ? "" : first_line(bobs.substr(at)));
    auto file = work_.write("bob-1.eml", bobs);
    auto v = run_command({bin_.ctl, "--dns", dns_.address(), "dkim", "verify", file.string()});
    check(first_line(v.output) == "pass", "posternctl dkim verify on the delivered copy",
          v.output.substr(v.output.find('\n') + 1));
    auto alice_box = postfix_->messages("alice@example.org");
    std::string alices = alice_box.empty() ? std::string() : alice_box.back();
    size_t ar = alices.find("Authentication-Results: mx.example.org");
    check(ar != std::string::npos, "the inbound newsletter carries our Authentication-Results header",
          ar == std::string::npos ? "" : unfolded_field(alices.substr(ar)));
    SmtpSend forged = outside("ADDR=203.0.113.5 NAME=[UNAVAILABLE]");
    forged.message =
        "From: Bank <security@bank.test>\nTo: alice@example.org\nSubject: verify your account\n\nclick\n";
    auto fr = smtp_send(forged);
    check(fr.code == 550, "mail forging security@bank.test (DMARC p=reject) is refused at end of data",
          first_line(fr.text));
    forged.message = "From: Alice <alice@example.org>\nTo: alice@example.org\nSubject: hi\n\nfrom outside\n";
    auto own = smtp_send(forged);
    check(own.code == 550, "mail from outside claiming example.org without its signature is refused",
          first_line(own.text));
    auto spf = run_command(
        {bin_.ctl, "--dns", dns_.address(), "spf", "--ip", "203.0.113.5", "--sender", "alice@example.org"});
    check(first_line(spf.output) == "fail", "posternctl spf: 203.0.113.5 may not send for example.org",
          spf.output.find("reason: ") == std::string::npos
              ? ""
              : first_line(spf.output.substr(spf.output.find("reason: "))));
  }

  void send_limits() {
    section("Send limits per login (postern-policyd at END-OF-MESSAGE of submission)");
    SmtpSend sub = submission("bob@example.org", "bob-pass");
    sub.to = {"alice@example.org"};
    const std::string n = std::to_string(kSendLimit);
    bool all_sent = true;
    for (int i = 1; i <= kSendLimit; ++i) {
      sub.message =
          "From: bob@example.org\nTo: alice@example.org\nSubject: report " + std::to_string(i) + "\n\nhi\n";
      all_sent = smtp_send(sub).code == 250 && all_sent;
    }
    check(all_sent, "bob sends " + n + " messages, his limit of " + n + " an hour", "");
    auto over = smtp_send(sub);
    check(over.code == 450 && over.text.find("4.7.1") != std::string::npos,
          "message " + std::to_string(kSendLimit + 1) + " is deferred, saying when there is room again",
          first_line(over.text));
    // policyd writes its counters behind, within [policyd] store_write_behind (100 ms): posternctl
    // sees them once written.
    const std::string full = "login  bob@example.org  1h  messages  " + n + "/" + n + "  FULL";
    CommandResult list;
    bool shown = wait_until(
        [&] {
          list = ctl({"ratelimit", "list"});
          return list.output.find(full) != std::string::npos;
        },
        std::chrono::seconds(10));
    check(shown, "posternctl ratelimit list shows bob's full window", list.output);
    auto reset = ctl({"ratelimit", "reset", "bob@example.org"});
    check(reset.exit_code == 0, "posternctl ratelimit reset bob@example.org", first_line(reset.output));
    auto again = smtp_send(sub);
    check(again.code == 250, "after the reset bob sends again", first_line(again.text));
  }

  void dmarc_reports() {
    section("DMARC aggregate reports: built from the report log, read as the receiving domain would");
    std::time_t now = std::time(nullptr);
    char day[16];
    std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&now));
    const std::string out = (work_ / "reports").string();
    std::filesystem::create_directories(out);
    auto built = ctl({"dmarc", "report", "build", "--day", day, "--out", out});
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(out)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    check(built.exit_code == 0 && !files.empty(),
          "posternctl dmarc report build --day " + std::string(day) + ": one report per policy domain",
          built.output);
    bool bank = std::any_of(files.begin(), files.end(),
                            [](const std::string& f) { return f.find("!bank.test!") != std::string::npos; });
    check(bank,
          "a report for bank.test (the forged mail above), named receiver!policy-domain!begin!end!id.xml.gz",
          files.empty() ? "" : std::filesystem::path(files.front()).filename().string());
    if (files.empty()) return;
    std::vector<std::string> read = {bin_.ctl, "dmarc", "report", "read", "--no-dns"};
    read.insert(read.end(), files.begin(), files.end());
    auto r = run_command(read);
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) std::cout << "  " << line << "\n";
    check(r.exit_code == 0 && r.output.find("domain bank.test: ") != std::string::npos &&
              r.output.find("203.0.113.5") != std::string::npos,
          "posternctl dmarc report read: who sends as bank.test and what failed", "");
  }

  void dns_records() {
    section("DNS records to publish: DKIM, SPF, DMARC, DANE TLSA, MTA-STS, TLS-RPT");
    TestCertSpec spec;
    spec.common_name = "mx.example.org";
    spec.dns_names = {"mx.example.org"};
    auto pair = TestCa("Postern demo CA").issue(spec);
    auto cert = work_.write("mx.pem", pair.cert_pem);
    const std::string sts = (work_ / "mta-sts").string();
    auto r = ctl({"dns-records", "--mx-host", "mx.example.org", "--tls-cert", cert.string(), "--mta-sts-out",
                  sts, "--tlsrpt-rua", "tls-reports@example.org", "--no-mail", "www.example.org"});
    check(r.exit_code == 0 && r.output.find("_25._tcp.mx.example.org. IN TLSA 3 1 1 ") != std::string::npos,
          "a TLSA 3 1 1 record for mx.example.org from the certificate Postfix would serve",
          first_line(r.output.substr(std::min(r.output.size(), r.output.find("_25._tcp.")))));
    check(
        r.output.find("_mta-sts.example.org. IN TXT \"v=STSv1; id=") != std::string::npos &&
            std::filesystem::exists(sts + "/example.org/.well-known/mta-sts.txt"),
        "the MTA-STS record, and its policy written for https://mta-sts.example.org/.well-known/mta-sts.txt",
        "");
    check(
        r.output.find("_smtp._tls.example.org. IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@example.org\"") !=
            std::string::npos,
        "the TLS-RPT record", "");
  }

  void audit() {
    section("posternctl audit: the TLS and SASL posture of these private instances");
    // The demo's instances run without TLS on purpose (loopback only); the audit says what a
    // public server would have to change, and probes every listener live.
    auto a = ctl(
        {"audit", "--postfix-config", postfix_->config_dir(), "--dovecot-config", dovecot_->config_path()});
    std::istringstream lines(a.output);
    for (std::string line; std::getline(lines, line);)
      std::cout << "  " << (line.size() > 200 ? line.substr(0, 197) + "..." : line) << "\n";
    check(a.exit_code == 1 && a.output.find("\nsummary: ") != std::string::npos,
          "posternctl audit finds the missing TLS (exit 1: errors found)", "");
    check(a.output.find("error probe.submission.mail-before-tls") != std::string::npos,
          "the live probe sees submission accept MAIL FROM before STARTTLS", "");
    check(a.output.find("probe.relay.open") == std::string::npos,
          "the MX refuses to relay for an outside client (XCLIENT probe)", "");
    check(a.output.find("warning tls-rpt.missing _smtp._tls.example.org: ") != std::string::npos,
          "the audit looks up example.org's transport-security records (no TLS-RPT record in the demo zone)",
          "");
  }

  void finish() {
    std::cout << "\nStopping Postfix, Dovecot and the DNS server; removing " << work_.str() << "\n";
  }

 private:
  static constexpr int kSendLimit = 3;
  static constexpr std::pair<const char*, const char*> kUsers[] = {{"alice@example.org", "alice-pass"},
                                                                   {"bob@example.org", "bob-pass"}};

  CommandResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {bin_.ctl, "-c", conf_});
    return run_command(args);
  }

  SmtpSend submission(const std::string& user, const std::string& password) const {
    SmtpSend s;
    s.port = postfix_->submission_port();
    s.user = user;
    s.password = password;
    s.from = user;
    return s;
  }

  SmtpSend outside(const std::string& xclient) const {
    SmtpSend s;
    s.port = postfix_->smtp_port();
    s.xclient = xclient;
    s.helo = "mail.sender.test";
    s.from = "news@sender.test";
    s.to = {"alice@example.org"};
    return s;
  }

  const Binaries& bin_;
  TempDir work_;
  TestDnsServer dns_;
  const int policy_port_ = free_tcp_port();
  std::string conf_;
  std::string report_log_;
  bool plugin_ = false;
  std::unique_ptr<DovecotInstance> dovecot_;
  std::unique_ptr<Process> policyd_;
  std::unique_ptr<Process> milter_;
  std::unique_ptr<PostfixInstance> postfix_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string build_dir = "build/release";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--build-dir") == 0 && i + 1 < argc) build_dir = argv[++i];
  }
  if (geteuid() != 0) {
    std::cerr << "postern-demo: run as root (Postfix and Dovecot start as root and drop privileges)\n";
    return 1;
  }
  try {
    Binaries bin(build_dir);
    Demo demo(bin);
    demo.dns_zones();
    demo.write_config();
    demo.config_check();
    if (!demo.core()) return 1;
    demo.start_dovecot();
    demo.start_daemons();
    demo.start_postfix();
    demo.inbound();
    demo.spoofing();
    demo.lockout();
    demo.authentication_results();
    demo.send_limits();
    demo.dmarc_reports();
    demo.dns_records();
    demo.audit();
    demo.finish();
  } catch (const std::exception& e) {
    std::cerr << "postern-demo: " << e.what() << "\n";
    return 1;
  }
  std::cout << (failures == 0 ? "demo finished: every step behaved as expected\n"
                              : "demo finished with failures\n");
  return failures == 0 ? 0 : 1;
}
