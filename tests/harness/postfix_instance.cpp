// Implements PostfixInstance. Contract in postfix_instance.h.
#include "tests/harness/postfix_instance.h"

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/harness/net.h"
#include "tests/harness/process.h"

namespace postern::test {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Debian's master.cf template with every service unchrooted (the queue directory here has none
// of the files a chroot needs) and without the default smtp listener.
std::string base_master_cf() {
  std::string dist = slurp("/usr/share/postfix/master.cf.dist");
  if (dist.empty()) dist = slurp("/etc/postfix/master.cf");
  std::istringstream in(dist);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ' ' || line[0] == '\t') {
      out += line + "\n";
      continue;
    }
    std::istringstream f(line);
    std::vector<std::string> fields;
    std::string w;
    while (f >> w) fields.push_back(w);
    if (fields.size() < 8) {
      out += line + "\n";
      continue;
    }
    if (fields[1] == "inet") continue;  // we add our own listeners
    if (fields[4] == "y" || fields[4] == "-") fields[4] = "n";
    std::string joined;
    for (size_t i = 0; i < fields.size(); ++i) joined += (i ? " " : "") + fields[i];
    out += joined + "\n";
  }
  return out;
}

void chown_to(const std::filesystem::path& p, const char* user) {
  if (passwd* pw = getpwnam(user)) {
    if (chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown " + p.string());
  }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

}  // namespace

PostfixInstance::PostfixInstance(PostfixOptions o) {
  const auto& root = dir_.path();
  // Postfix's services run as user postfix / nobody and must reach into this directory.
  chmod(root.c_str(), 0755);
  config_dir_ = (root / "etc").string();
  std::filesystem::create_directories(root / "etc");
  std::filesystem::create_directories(root / "queue");
  std::filesystem::create_directories(root / "data");
  std::filesystem::create_directories(root / "mail");
  chmod((root / "mail").c_str(), 0777);
  chown_to(root / "data", "postfix");
  smtp_port_ = free_tcp_port();
  if (o.submission) submission_port_ = free_tcp_port();

  std::map<std::string, std::string> main = {
      {"compatibility_level", "3.6"},
      {"queue_directory", (root / "queue").string()},
      {"data_directory", (root / "data").string()},
      {"inet_interfaces", "127.0.0.1"},
      {"inet_protocols", "ipv4"},
      {"myhostname", "mx.postern.test"},
      {"mydomain", "postern.test"},
      {"myorigin", "$myhostname"},
      {"mydestination", ""},
      {"mynetworks", "127.0.0.2/32"},
      {"relay_domains", ""},
      {"virtual_mailbox_domains", join(o.domains, ", ")},
      {"virtual_mailbox_base", (root / "mail").string()},
      {"virtual_mailbox_maps", "texthash:" + (root / "etc" / "vmailbox").string()},
      {"virtual_uid_maps", "static:65534"},
      {"virtual_gid_maps", "static:65534"},
      {"smtpd_peername_lookup", "no"},
      {"smtp_dns_support_level", "disabled"},
      {"smtp_host_lookup", "native"},
      {"smtpd_authorized_xclient_hosts", "127.0.0.0/8"},
      {"maillog_file", (root / "maillog").string()},
      {"maillog_file_prefixes", root.string()},
      {"alias_maps", ""},
      {"alias_database", ""},
      {"biff", "no"},
      {"smtpd_banner", "$myhostname ESMTP"},
      {"smtpd_relay_restrictions", "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"},
      {"smtpd_recipient_restrictions",
       "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"},
      {"smtpd_delay_reject", "yes"},
      {"milter_default_action", "tempfail"},
  };
  if (o.dovecot_auth_port) {
    main["smtpd_sasl_type"] = "dovecot";
    main["smtpd_sasl_path"] = "inet:127.0.0.1:" + std::to_string(o.dovecot_auth_port);
  }
  for (const auto& [k, v] : o.main_cf) main[k] = v;
  std::string main_cf;
  for (const auto& [k, v] : main) main_cf += k + " = " + v + "\n";
  dir_.write("etc/main.cf", main_cf);

  std::string vmailbox;
  for (const auto& m : o.mailboxes) {
    auto at = m.find('@');
    vmailbox += m + " " + m.substr(at + 1) + "/" + m.substr(0, at) + "/\n";
  }
  dir_.write("etc/vmailbox", vmailbox);

  std::string master = base_master_cf();
  master += "127.0.0.1:" + std::to_string(smtp_port_) + " inet n - n - - smtpd\n";
  for (const auto& [k, v] : o.mx_options) master += "  -o " + k + "=" + v + "\n";
  if (o.submission) {
    master += "127.0.0.1:" + std::to_string(submission_port_) + " inet n - n - - smtpd\n";
    master += "  -o syslog_name=postfix/submission\n  -o smtpd_sasl_auth_enable=yes\n";
    master += "  -o smtpd_tls_security_level=none\n  -o smtpd_tls_auth_only=no\n";
    master += "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n";
    master += "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n";
    master += "  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject\n";
    for (const auto& [k, v] : o.submission_options) master += "  -o " + k + "=" + v + "\n";
  }
  for (const auto& l : o.master_cf) master += l + "\n";
  dir_.write("etc/master.cf", master);

  auto r = run_command({"postfix", "-c", config_dir_, "start"}, "", std::chrono::seconds(60));
  if (r.exit_code != 0) {
    throw std::runtime_error("postfix start failed (" + std::to_string(r.exit_code) + "): " + r.output +
                             "\n" + maillog());
  }
  running_ = true;
  if (!wait_for_tcp(smtp_port_) || (submission_port_ && !wait_for_tcp(submission_port_))) {
    stop();
    throw std::runtime_error("postfix did not listen: " + maillog());
  }
}

PostfixInstance::~PostfixInstance() { stop(); }

void PostfixInstance::stop() {
  if (!running_) return;
  running_ = false;
  std::string pid_text = slurp(dir_.path() / "queue" / "pid" / "master.pid");
  pid_t pid = static_cast<pid_t>(std::atol(pid_text.c_str()));
  (void)run_command({"postfix", "-c", config_dir_, "stop"}, "", std::chrono::seconds(30));
  // "postfix stop" returns before the master has exited; wait for it, then make sure.
  if (pid > 0 && !wait_until([pid] { return kill(pid, 0) != 0; }, std::chrono::seconds(10))) {
    (void)run_command({"postfix", "-c", config_dir_, "abort"}, "", std::chrono::seconds(10));
    kill(pid, SIGKILL);
  }
}

void PostfixInstance::reload() { (void)run_command({"postfix", "-c", config_dir_, "reload"}); }

std::vector<std::string> PostfixInstance::messages(const std::string& mailbox) const {
  auto at = mailbox.find('@');
  auto dir = dir_.path() / "mail" / mailbox.substr(at + 1) / mailbox.substr(0, at) / "new";
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) files.push_back(e.path());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::filesystem::last_write_time(a) < std::filesystem::last_write_time(b) ||
           (std::filesystem::last_write_time(a) == std::filesystem::last_write_time(b) && a < b);
  });
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(slurp(f));
  return out;
}

bool PostfixInstance::wait_for_messages(const std::string& mailbox, size_t n,
                                        std::chrono::milliseconds timeout) const {
  return wait_until([&] { return messages(mailbox).size() >= n; }, timeout);
}

std::string PostfixInstance::maillog() const { return slurp(dir_.path() / "maillog"); }

bool PostfixInstance::wait_for_log(const std::string& fragment, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return maillog().find(fragment) != std::string::npos; }, timeout);
}

std::string PostfixInstance::queue() const {
  return run_command({"postqueue", "-c", config_dir_, "-p"}).output;
}

}  // namespace postern::test
