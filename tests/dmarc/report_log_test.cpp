// The DMARC report log: one JSON line per evaluation, hostile values escaped, appended (never
// truncated) by concurrent writers.
#include "common/dmarc/report_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

DmarcVerdict sample_verdict() {
  DmarcVerdict v;
  v.result = DmarcResult::fail;
  v.author_domain = "example.org";
  v.policy_domain = "example.org";
  v.org_domain = "example.org";
  DmarcRecord r;
  r.p = DmarcPolicy::reject;
  r.sp = DmarcPolicy::quarantine;
  v.record = r;
  v.requested = DmarcPolicy::reject;
  v.applied = DmarcPolicy::reject;
  DmarcAlignmentCheck c;
  c.method = "dkim";
  c.domain = "example.org";
  c.result = AuthResult::fail;
  v.alignment.push_back(c);
  v.reason = "no aligned pass";
  return v;
}

DmarcInput sample_input() {
  DmarcInput in;
  in.from = parse_from_header({"a@example.org"});
  in.spf_domain = "Bounce.Example.NET";
  in.spf_result = AuthResult::pass;
  in.dkim = {{"example.org", AuthResult::fail}};
  in.client_ip = IpAddress::parse("192.0.2.9").value();
  return in;
}

TEST(DmarcReportLog, OneLineWithEveryField) {
  auto line = format_dmarc_report_line(1767225600, sample_input(), sample_verdict(), "reject");
  EXPECT_EQ(line,
            "{\"time\":1767225600,\"ip\":\"192.0.2.9\",\"header_from\":\"example.org\",\"dmarc\":\"fail\","
            "\"policy_domain\":\"example.org\",\"org_domain\":\"example.org\",\"p\":\"reject\",\"sp\":"
            "\"quarantine\","
            "\"np\":\"\",\"adkim\":\"r\",\"aspf\":\"r\",\"testing\":\"n\",\"fo\":\"0\",\"rua\":[],"
            "\"policy_tag\":\"p\",\"policy\":"
            "\"reject\","
            "\"applied\":\"reject\",\"override\":\"none\",\"disposition\":\"reject\","
            "\"envelope_from\":\"\",\"envelope_to\":[],"
            "\"spf\":{\"domain\":\"bounce.example.net\",\"scope\":\"mfrom\",\"result\":\"pass\","
            "\"aligned\":false},"
            "\"dkim\":[{\"domain\":\"example.org\",\"selector\":\"\",\"result\":\"fail\",\"aligned\":false}],"
            "\"reason\":\"no aligned pass\"}\n");
}

// The facts an aggregate report needs (RFC 9990): selectors, envelope domains, SPF scope, rua, fo.
TEST(DmarcReportLog, ReportFactsAreLogged) {
  auto v = sample_verdict();
  v.record->rua = {"mailto:dmarc@example.org!10m", "mailto:x@rua.example"};
  v.record->fo = "1";
  DmarcReportFacts f;
  f.dkim_selectors = {"Sel1"};
  f.envelope_from = "Bounce.Example.NET";
  f.spf_scope = DmarcSpfScope::helo;
  f.envelope_to = {"Example.COM", "lists.example"};
  auto line = format_dmarc_report_line(7, sample_input(), v, "none", f);
  EXPECT_NE(line.find("\"fo\":\"1\",\"rua\":[\"mailto:dmarc@example.org!10m\",\"mailto:x@rua.example\"],"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"envelope_from\":\"bounce.example.net\",\"envelope_to\":[\"example.com\","
                      "\"lists.example\"],"),
            std::string::npos)
      << line;
  // At most kMaxReportRcptDomains recipient domains reach the line.
  f.envelope_to.clear();
  for (size_t i = 0; i < kMaxReportRcptDomains + 5; ++i)
    f.envelope_to.push_back("d" + std::to_string(i) + ".example");
  line = format_dmarc_report_line(7, sample_input(), v, "none", f);
  EXPECT_NE(line.find("\"d15.example\"]"), std::string::npos) << line;
  EXPECT_EQ(line.find("d16.example"), std::string::npos) << line;
  EXPECT_NE(line.find("\"scope\":\"helo\""), std::string::npos) << line;
  EXPECT_NE(line.find("{\"domain\":\"example.org\",\"selector\":\"Sel1\",\"result\":\"fail\""),
            std::string::npos)
      << line;
}

TEST(DmarcReportLog, HostileValuesAreEscapedAndBounded) {
  auto in = sample_input();
  in.dkim = {
      {"evil\"}\n{\"x\":\"\\", AuthResult::pass}};  // results are keywords (an enum): only names are hostile
  for (int i = 0; i < 40; ++i) in.dkim.push_back({"d" + std::to_string(i) + ".example", AuthResult::pass});
  auto v = sample_verdict();
  v.reason = std::string(2000, 'r') + "\x01\xff";
  auto line = format_dmarc_report_line(1, in, v, "none");
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_NE(line.find("evil\\\"}\\u000a{\\\"x\\\":\\\"\\\\"), std::string::npos) << line;
  EXPECT_NE(line.find("\\\\\",\"selector\":\"\",\"result\":\"pass\""), std::string::npos) << line;
  EXPECT_EQ(line.find(std::string(kMaxReportValueBytes + 1, 'r')), std::string::npos);
  EXPECT_EQ(line.find("d15.example"), std::string::npos);  // at most kMaxDkimChecks entries
  EXPECT_NE(line.find("d14.example"), std::string::npos);
  for (char c : line.substr(0, line.size() - 1)) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
}

TEST(DmarcReportLog, AppendsLinesFromSeveralThreads) {
  test::TempDir dir;
  FakeClock clock;
  std::string path = (dir / "dmarc.log").string();
  {
    std::ofstream pre(path);
    pre << "earlier\n";
  }
  DmarcReportLog log(path, clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) EXPECT_TRUE(log.append(sample_input(), sample_verdict(), "reject").ok());
    });
  }
  for (auto& t : threads) t.join();
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "earlier");
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    EXPECT_EQ(line.rfind("{\"time\":1767225600,", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}');
  }
  EXPECT_EQ(n, 200);
}

TEST(DmarcReportLog, UnwritablePathIsATemporaryError) {
  test::TempDir dir;
  FakeClock clock;
  DmarcReportLog log((dir / "missing" / "dmarc.log").string(), clock);
  auto r = log.append(sample_input(), sample_verdict(), "none");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().temporary());
}

}  // namespace
}  // namespace postern
