// Implements sign_zone and UnboundInstance. Contract in unbound_instance.h.
#include "tests/harness/unbound_instance.h"

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/harness/net.h"

namespace postern::test {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string dnssec_time(long offset_s) {
  std::time_t t = std::time(nullptr) + offset_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

SignedZone sign_zone(const TempDir& dir, const std::string& origin, const std::string& zone_text,
                     const std::string& inception, const std::string& expiration) {
  std::string keygen = find_program("ldns-keygen"), signzone = find_program("ldns-signzone");
  if (keygen.empty() || signzone.empty())
    throw std::runtime_error("ldns-keygen / ldns-signzone not installed (ldnsutils)");
  std::string zone = (dir / (origin + ".zone")).string();
  dir.write(origin + ".zone", zone_text);
  // ldns-keygen writes K<origin>.+013+<tag>.{key,private,ds} in the working directory and prints
  // the base name.
  auto k = run_command(
      {"/bin/sh", "-c", "cd '" + dir.str() + "' && '" + keygen + "' -a ECDSAP256SHA256 -k " + origin});
  if (k.exit_code != 0) throw std::runtime_error("ldns-keygen: " + k.output);
  std::string base = dir.str() + "/" + trim(k.output);
  auto s = run_command({signzone, "-i", inception, "-e", expiration, "-f", zone + ".signed", zone, base});
  if (s.exit_code != 0) throw std::runtime_error("ldns-signzone: " + s.output);
  return {zone + ".signed", trim(read_all(base + ".key"))};
}

UnboundInstance::UnboundInstance(const std::vector<UnboundZone>& zones) {
  std::string unbound = find_program("unbound");
  if (unbound.empty()) throw std::runtime_error("unbound not installed");
  port_ = free_udp_tcp_port();
  std::ostringstream c;
  c << "server:\n"
    << "  interface: 127.0.0.1\n  port: " << port_ << "\n"
    << "  do-daemonize: no\n  chroot: \"\"\n  username: \"\"\n  directory: \"" << dir_.str() << "\"\n"
    << "  pidfile: \"" << dir_.str() << "/unbound.pid\"\n  use-syslog: no\n  logfile: \"\"\n"
    << "  verbosity: 1\n  val-log-level: 2\n"
    << "  do-not-query-localhost: no\n  do-ip6: no\n"
    << "  qname-minimisation: no\n  harden-referral-path: no\n  target-fetch-policy: \"0 0 0 0 0\"\n"
    << "  module-config: \"validator iterator\"\n"
    << "  access-control: 127.0.0.0/8 allow\n"
    << "  num-threads: 1\n  so-reuseport: no\n"
    // unbound answers NXDOMAIN itself for the special-use name test. (RFC 6761) unless told not to.
    << "  local-zone: \"test.\" nodefault\n";
  for (const auto& z : zones) {
    if (!z.trust_anchor.empty())
      c << "  trust-anchor: \"" << z.trust_anchor << "\"\n";
    else
      c << "  domain-insecure: \"" << z.name << "\"\n";
  }
  c << "remote-control:\n  control-enable: no\n";
  for (const auto& z : zones) {
    c << "stub-zone:\n  name: \"" << z.name << "\"\n  stub-addr: 127.0.0.1@" << z.port
      << "\n  stub-prime: no\n";
  }
  dir_.write("unbound.conf", c.str());
  auto check = run_command({find_program("unbound-checkconf"), (dir_ / "unbound.conf").string()});
  if (check.exit_code != 0) throw std::runtime_error("unbound-checkconf: " + check.output);
  proc_ = std::make_unique<Process>(
      std::vector<std::string>{unbound, "-d", "-c", (dir_ / "unbound.conf").string()},
      (dir_ / "unbound").string());
  if (!wait_for_tcp(port_)) throw std::runtime_error("unbound did not start: " + proc_->output());
}

UnboundInstance::~UnboundInstance() {
  if (proc_) proc_->stop();
}

std::string UnboundInstance::log() const { return proc_ ? proc_->output() : ""; }

}  // namespace postern::test
