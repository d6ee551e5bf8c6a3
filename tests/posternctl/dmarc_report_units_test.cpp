// The systemd units the Debian package ships for the daily DMARC reports
// (debian/postern-tools.postern-dmarc-reports.service and .timer): systemd-analyze verify finds
// nothing to say about them (when systemd-analyze is installed), the service's ExecStart command
// line runs as written against a test configuration (only the binary's and the configuration's
// paths replaced by the build's and the test's), and the package installs the timer disabled
// and not started (debian/rules), a daily timer that catches up missed runs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/harness/config_sections.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

const std::string kService = std::string(SOURCE_DIR) + "/debian/postern-tools.postern-dmarc-reports.service";
const std::string kTimer = std::string(SOURCE_DIR) + "/debian/postern-tools.postern-dmarc-reports.timer";

// The value of KEY= in a unit file, "" when absent.
std::string unit_value(const std::string& unit, const std::string& key) {
  std::istringstream in(unit);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(DmarcReportUnits, SystemdAnalyzeVerifiesThem) {
  if (std::string(SYSTEMD_ANALYZE).find("NOTFOUND") != std::string::npos)
    GTEST_SKIP() << "systemd-analyze is not installed";
  test::TempDir dir;
  // verify wants ExecStart's program to exist: the build's posternctl stands in for /usr/sbin's.
  std::string service = slurp(kService);
  ASSERT_NE(service.find("ExecStart=/usr/sbin/posternctl "), std::string::npos) << service;
  service.replace(service.find("/usr/sbin/posternctl"), 20, POSTERNCTL);
  auto s = dir.write("postern-dmarc-reports.service", service);
  auto t = dir.write("postern-dmarc-reports.timer", slurp(kTimer));
  auto r = test::run_command({SYSTEMD_ANALYZE, "verify", "--man=no", t.string(), s.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // Warnings about other units installed on this machine are not ours; any about these are.
  EXPECT_EQ(r.output.find("postern-dmarc-reports"), std::string::npos) << r.output;
}

TEST(DmarcReportUnits, ExecStartRunsAsWritten) {
  std::string service = slurp(kService);
  EXPECT_EQ(unit_value(service, "Type"), "oneshot");
  auto argv = words(unit_value(service, "ExecStart"));
  ASSERT_EQ(argv, (std::vector<std::string>{"/usr/sbin/posternctl", "-c", "/etc/postern/postern.conf",
                                            "dmarc", "report", "send"}));
  test::TempDir dir;
  auto log = dir.write("dmarc.log", "");
  std::string conf_text =
      "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"127.0.0.1:9\"]\n[dmarc]\nreport_log = \"" +
      log.string() +
      "\"\n[dmarc.reports]\nenabled = false\norg_name = \"MX\"\nfrom = \"dmarc@mx.example\"\n" +
      test::lmdb_store_section(dir.path() / "state");
  auto conf = dir.write("postern.conf", conf_text);
  argv[0] = POSTERNCTL;
  argv[2] = conf.string();
  // As installed, before the admin configures [dmarc.reports]: refuses, exit 78, saying why.
  auto off = test::run_command(argv);
  EXPECT_EQ(off.exit_code, 78) << off.output;
  EXPECT_NE(off.output.find("[dmarc.reports] enabled = false: no reports are sent"), std::string::npos)
      << off.output;
  // Configured, with nothing logged yesterday: a clean run.
  conf_text.replace(conf_text.find("enabled = false"), 15, "enabled = true");
  dir.write("postern.conf", conf_text);
  auto on = test::run_command(argv);
  EXPECT_EQ(on.exit_code, 0) << on.output;
  EXPECT_NE(on.output.find("0 report(s)"), std::string::npos) << on.output;
  EXPECT_NE(on.output.find("posternctl: 0 sent, 0 skipped, 0 deferred, 0 failed\n"), std::string::npos)
      << on.output;
}

TEST(DmarcReportUnits, TheTimerIsDailyAndShippedDisabled) {
  std::string timer = slurp(kTimer);
  EXPECT_EQ(unit_value(timer, "OnCalendar"), "*-*-* 00:20:00 UTC");
  EXPECT_EQ(unit_value(timer, "Persistent"), "true");
  EXPECT_EQ(unit_value(timer, "WantedBy"), "timers.target");
  // debhelper installs debian/postern-tools.postern-dmarc-reports.* for --name, and with these
  // flags neither enables nor starts the timer on installation.
  std::string rules = slurp(std::string(SOURCE_DIR) + "/debian/rules");
  EXPECT_NE(
      rules.find("\tdh_installsystemd -ppostern-tools --name=postern-dmarc-reports --no-enable --no-start\n"),
      std::string::npos)
      << rules;
}

}  // namespace
}  // namespace postern
