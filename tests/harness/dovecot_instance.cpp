// Implements DovecotInstance and imap_login. Contract in dovecot_instance.h.
#include "tests/harness/dovecot_instance.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/harness/installed.h"
#include "tests/harness/net.h"

namespace postern::test {

std::string DovecotInstance::hash(const std::string& password) {
  auto r = run_command({"doveadm", "pw", "-s", "SHA512-CRYPT", "-p", password});
  std::string h = r.output;
  while (!h.empty() && (h.back() == '\n' || h.back() == '\r')) h.pop_back();
  if (r.exit_code != 0 || h.rfind("{SHA512-CRYPT}", 0) != 0)
    throw std::runtime_error("doveadm pw failed: " + h);
  return h;
}

DovecotInstance::DovecotInstance(DovecotOptions o) {
  const auto& root = dir_.path();
  chmod(root.c_str(), 0755);  // login processes (dovenull) must reach base_dir
  std::filesystem::create_directories(root / "run");
  std::filesystem::create_directories(root / "state");
  std::filesystem::create_directories(root / "mail");
  chmod((root / "mail").c_str(), 0777);
  imap_port_ = free_tcp_port();
  pop3_port_ = free_tcp_port();
  auth_port_ = free_tcp_port();

  std::string passwd;
  for (const auto& [user, password] : o.users) passwd += user + ":" + hash(password) + "::::::\n";
  dir_.write("passwd", passwd);

  std::string passdb = o.passdb_conf.empty()
                           ? "passdb {\n  driver = passwd-file\n  args = scheme=SHA512-CRYPT " +
                                 (root / "passwd").string() + "\n}\n"
                           : o.passdb_conf;
  std::ostringstream c;
  c << "base_dir = " << (root / "run").string() << "\n"
    << "state_dir = " << (root / "state").string() << "\n"
    << "log_path = " << (root / "dovecot.log").string() << "\n"
    << "info_log_path = " << (root / "dovecot.log").string() << "\n"
    << "protocols = imap pop3\n"
    << "listen = 127.0.0.1\n"
    << "ssl = no\n"
    << "disable_plaintext_auth = no\n"
    << "auth_mechanisms = plain login\n"
    << "auth_verbose = yes\n"
    << "auth_failure_delay = 0\n"
    << "mail_location = maildir:" << (root / "mail").string() << "/%d/%n\n"
    << "default_internal_user = dovecot\n"
    << "default_login_user = dovenull\n"
    << "first_valid_uid = 1\n"
    << "service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = " << imap_port_
    << "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n"
    << "service pop3-login {\n  inet_listener pop3 {\n    address = 127.0.0.1\n    port = " << pop3_port_
    << "\n  }\n  inet_listener pop3s {\n    port = 0\n  }\n}\n"
    << "service auth {\n  inet_listener auth-inet {\n    address = 127.0.0.1\n    port = " << auth_port_
    << "\n  }\n}\n"
    << passdb << "userdb {\n  driver = static\n  args = uid=65534 gid=65534 home=" << (root / "mail").string()
    << "/%d/%n\n}\n"
    << o.extra_conf << "\n";
  conf_ = dir_.write("dovecot.conf", c.str()).string();

  std::vector<std::string> argv = {"dovecot", "-F", "-c", conf_};
  if (!o.auth_modules.empty() && testing_installed()) {
    if (access(kInstalledAuthModule, R_OK) != 0)
      throw std::runtime_error(std::string("POSTERN_TEST_INSTALLED=1 but ") + kInstalledAuthModule +
                               " is not installed");
  } else if (!o.auth_modules.empty()) {
    const std::filesystem::path system_dir = "/usr/lib/dovecot/modules/auth";
    auto mods = root / "auth-modules";
    std::filesystem::create_directories(mods);
    chmod(mods.c_str(), 0755);
    for (const auto& e : std::filesystem::directory_iterator(system_dir))
      std::filesystem::copy(e.path(), mods / e.path().filename());
    for (const auto& m : o.auth_modules)
      std::filesystem::copy_file(m, mods / std::filesystem::path(m).filename(),
                                 std::filesystem::copy_options::overwrite_existing);
    argv = {"unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount --bind \"$0\" " + system_dir.string() + " && exec dovecot -F -c \"$1\"",
            mods.string(),
            conf_};
  }
  proc_ = std::make_unique<Process>(argv, (root / "dovecot").string(), o.env);
  if (!wait_for_tcp(imap_port_) || !wait_for_tcp(auth_port_)) {
    std::string why = proc_->output() + log();
    proc_->stop();
    throw std::runtime_error("dovecot did not start: " + why);
  }
}

DovecotInstance::~DovecotInstance() {
  if (proc_) proc_->stop(std::chrono::seconds(10));
}

std::string DovecotInstance::log() const {
  std::ifstream in(dir_.path() / "dovecot.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

AuthTestResult DovecotInstance::auth_test(const std::string& user, const std::string& password,
                                          const std::string& remote_ip) {
  std::vector<std::string> argv = {"doveadm", "-c", conf_, "auth", "test"};
  if (!remote_ip.empty()) {
    argv.push_back("-x");
    argv.push_back("rip=" + remote_ip);
  }
  argv.push_back(user);
  argv.push_back(password);
  auto r = run_command(argv, "", std::chrono::seconds(30));
  return {r.exit_code == 0 && r.output.find("auth succeeded") != std::string::npos, r.output};
}

ImapLoginResult imap_login(int port, const std::string& user, const std::string& password,
                           std::chrono::milliseconds timeout) {
  ImapLoginResult res;
  int fd = connect_loopback(port);
  if (fd < 0) {
    res.text = "connect failed";
    return res;
  }
  auto end = std::chrono::steady_clock::now() + timeout;
  std::string buf;
  auto read_line_with = [&](const std::string& prefix) -> std::string {
    while (true) {
      size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind(prefix, 0) == 0) return line;
      }
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "[timeout]";
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char tmp[4096];
      ssize_t n = recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return "[connection closed]";
      buf.append(tmp, static_cast<size_t>(n));
    }
  };
  read_line_with("* OK");
  auto quote = [](const std::string& s) {
    std::string q = "\"";
    for (char ch : s) {
      if (ch == '"' || ch == '\\') q.push_back('\\');
      q.push_back(ch);
    }
    return q + "\"";
  };
  std::string cmd = "a1 LOGIN " + quote(user) + " " + quote(password) + "\r\n";
  (void)!send(fd, cmd.data(), cmd.size(), MSG_NOSIGNAL);
  res.text = read_line_with("a1 ");
  res.ok = res.text.rfind("a1 OK", 0) == 0;
  std::string logout = "a2 LOGOUT\r\n";
  (void)!send(fd, logout.data(), logout.size(), MSG_NOSIGNAL);
  close(fd);
  return res;
}

}  // namespace postern::test
