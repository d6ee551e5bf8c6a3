// The DMARC report log reader: what the writer writes reads back field for field, lines written
// before the report facts existed still read, and damaged or hostile lines are errors naming the
// key, never a crash.
#include "common/dmarc/report_line.h"

#include <gtest/gtest.h>

#include "common/dmarc/report_log.h"

namespace postern {
namespace {

// A line exactly as postern-milter wrote it before the report facts were added.
constexpr std::string_view kOldLine =
    "{\"time\":1767225600,\"ip\":\"192.0.2.9\",\"header_from\":\"example.org\",\"dmarc\":\"fail\","
    "\"policy_domain\":\"example.org\",\"org_domain\":\"example.org\",\"p\":\"reject\",\"sp\":\"quarantine\","
    "\"np\":\"\",\"adkim\":\"r\",\"aspf\":\"s\",\"testing\":\"n\",\"policy_tag\":\"p\",\"policy\":\"reject\","
    "\"applied\":\"reject\",\"override\":\"none\",\"disposition\":\"reject\","
    "\"spf\":{\"domain\":\"bounce.example.net\",\"result\":\"pass\",\"aligned\":false},"
    "\"dkim\":[{\"domain\":\"example.org\",\"result\":\"fail\",\"aligned\":false}],"
    "\"reason\":\"no aligned pass\"}\n";

TEST(DmarcReportLine, ReadsLinesWrittenBeforeTheReportFacts) {
  auto e = parse_dmarc_report_line(kOldLine);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->time, 1767225600);
  EXPECT_EQ(e->ip, "192.0.2.9");
  EXPECT_EQ(e->dmarc, DmarcResult::fail);
  EXPECT_TRUE(e->has_record);
  EXPECT_EQ(e->p, DmarcPolicy::reject);
  EXPECT_EQ(e->sp, DmarcPolicy::quarantine);
  EXPECT_FALSE(e->np);
  EXPECT_EQ(e->adkim, DmarcAlign::relaxed);
  EXPECT_EQ(e->aspf, DmarcAlign::strict);
  EXPECT_EQ(e->disposition, DmarcPolicy::reject);
  EXPECT_FALSE(e->envelope_from_known);
  EXPECT_EQ(e->spf_domain, "bounce.example.net");
  EXPECT_EQ(e->spf_scope, DmarcSpfScope::mfrom);
  ASSERT_EQ(e->dkim.size(), 1u);
  EXPECT_EQ(e->dkim[0].selector, "");
  EXPECT_EQ(e->dkim[0].result, "fail");
  EXPECT_TRUE(e->rua.empty());
  EXPECT_EQ(e->reason, "no aligned pass");
}

TEST(DmarcReportLine, ReadsBackWhatTheWriterWrote) {
  DmarcVerdict v;
  v.result = DmarcResult::pass;
  v.author_domain = "news.example.org";
  v.policy_domain = "example.org";
  DmarcRecord r;
  r.p = DmarcPolicy::quarantine;
  r.np = DmarcPolicy::reject;
  r.testing = true;
  r.rua = {"mailto:dmarc@example.org!10m", "mailto:agg@reports.example"};
  r.fo = "1:d";
  v.record = r;
  v.requested = DmarcPolicy::quarantine;
  v.testing = true;
  v.override_reason = DmarcOverride::mailing_list;
  v.alignment.push_back({"dkim", "example.org", AuthResult::pass, DmarcAlign::relaxed, true, ""});
  v.reason = "dkim \"aligned\"\n\x01\xff";
  DmarcInput in;
  in.spf_domain = "";
  in.spf_result = AuthResult::none;
  in.dkim = {{"Example.ORG.", AuthResult::pass}, {"other.example", AuthResult::temperror}};
  in.client_ip = IpAddress::parse("2001:db8::1").value();
  DmarcReportFacts f;
  f.dkim_selectors = {"s1", "s\"2"};
  f.spf_scope = DmarcSpfScope::helo;
  f.envelope_to = {"local.example", "other.example"};
  auto e = parse_dmarc_report_line(format_dmarc_report_line(99, in, v, "quarantine", f));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->time, 99);
  EXPECT_EQ(e->ip, "2001:db8::1");
  EXPECT_EQ(e->header_from, "news.example.org");
  EXPECT_EQ(e->policy_domain, "example.org");
  EXPECT_EQ(e->dmarc, DmarcResult::pass);
  EXPECT_EQ(e->p, DmarcPolicy::quarantine);
  EXPECT_FALSE(e->sp);
  EXPECT_EQ(e->np, DmarcPolicy::reject);
  EXPECT_TRUE(e->testing);
  EXPECT_EQ(e->fo, "1:d");
  EXPECT_EQ(e->rua, r.rua);
  EXPECT_EQ(e->policy, DmarcPolicy::none);  // t=y: the evaluated policy
  EXPECT_EQ(e->override_reason, DmarcOverride::mailing_list);
  EXPECT_EQ(e->disposition, DmarcPolicy::quarantine);
  EXPECT_TRUE(e->envelope_from_known);
  EXPECT_EQ(e->envelope_from, "");
  EXPECT_EQ(e->envelope_to, (std::vector<std::string>{"local.example", "other.example"}));
  EXPECT_EQ(e->spf_scope, DmarcSpfScope::helo);
  EXPECT_EQ(e->spf_result, "none");
  ASSERT_EQ(e->dkim.size(), 2u);
  EXPECT_EQ(e->dkim[0].domain, "example.org");
  EXPECT_EQ(e->dkim[0].selector, "s1");
  EXPECT_TRUE(e->dkim[0].aligned);
  EXPECT_EQ(e->dkim[1].selector, "s\"2");
  EXPECT_EQ(e->dkim[1].result, "temperror");
  EXPECT_FALSE(e->dkim[1].aligned);
  EXPECT_EQ(e->reason, v.reason);
}

TEST(DmarcReportLine, DamagedAndHostileLinesAreErrors) {
  struct Case {
    std::string line, why;
  };
  std::string ok(kOldLine);
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = ok;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::vector<Case> cases = {
      {"", "unexpected end"},
      {"garbage", "unexpected character"},
      {"[1,2]", "not a JSON object"},
      {ok.substr(0, ok.size() / 2), "unterminated"},
      {replace("\"dmarc\":\"fail\"", "\"dmarc\":\"maybe\""), "dmarc: unknown value \"maybe\""},
      {replace("\"time\":1767225600", "\"time\":\"now\""), "time: missing"},
      {replace("\"disposition\":\"reject\"", "\"disposition\":true"), "disposition: not a string"},
      {replace("\"result\":\"pass\"", "\"result\":\"great\""), "spf.result: unknown value"},
      {replace("\"reason\"", "\"reason\\u0100\""), "above U+00FF"},
      {replace("\"ip\"", "\"ip\":1,\"x\""), "ip: not a string"},
      {ok.substr(0, ok.size() - 1) + "{}", "text after the object"},
      {"{\"a\":[[[[1]]]]}", "nested too deep"},
      {std::string(kMaxReportLineBytes + 1, ' '), "line too long"},
      {"{\"time\":123456789012345678901}", "number too long"},
  };
  for (const auto& c : cases) {
    auto e = parse_dmarc_report_line(c.line);
    ASSERT_FALSE(e) << c.line;
    EXPECT_NE(e.error().message.find(c.why), std::string::npos) << c.line << "\n" << e.error().message;
  }
  std::string many = "{\"rua\":[";
  for (size_t i = 0; i <= kMaxReportLineItems; ++i) many += (i ? ",\"x\"" : "\"x\"");
  many += "]}";
  auto e = parse_dmarc_report_line(many);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("too many items"), std::string::npos) << e.error().message;
}

// envelope_to: an array of domains now, one string in lines written before; anything else is an
// error, and the policy domain of a refused line is still found when the line is JSON.
TEST(DmarcReportLine, EnvelopeToOldStringAndNewArray) {
  std::string line(kOldLine);
  auto with = [&](std::string_view member) {
    std::string s = line;
    s.insert(s.find("\"spf\":"), std::string(member) + ",");
    return s;
  };
  auto old_string = parse_dmarc_report_line(with("\"envelope_to\":\"example.com\""));
  ASSERT_TRUE(old_string) << old_string.error().message;
  EXPECT_EQ(old_string->envelope_to, std::vector<std::string>{"example.com"});
  auto empty_string = parse_dmarc_report_line(with("\"envelope_to\":\"\""));
  ASSERT_TRUE(empty_string);
  EXPECT_TRUE(empty_string->envelope_to.empty());
  auto array = parse_dmarc_report_line(with("\"envelope_to\":[\"a.example\",\"b.example\"]"));
  ASSERT_TRUE(array) << array.error().message;
  EXPECT_EQ(array->envelope_to, (std::vector<std::string>{"a.example", "b.example"}));
  auto number = parse_dmarc_report_line(with("\"envelope_to\":1"));
  ASSERT_FALSE(number);
  EXPECT_EQ(number.error().message, "envelope_to: not a string or an array");
  auto mixed = parse_dmarc_report_line(with("\"envelope_to\":[\"a.example\",2]"));
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().message, "envelope_to: not an array of strings");
  EXPECT_EQ(dmarc_report_line_domain(with("\"envelope_to\":1")), "example.org");
  EXPECT_EQ(dmarc_report_line_domain(line.substr(0, line.size() / 2)), "");
  EXPECT_EQ(dmarc_report_line_domain("{\"policy_domain\":7}"), "");
}

// Every prefix of a line (a log cut by a full disk or a crash) is an error, never a crash.
TEST(DmarcReportLine, EveryTruncationIsAnError) {
  std::string line(kOldLine);
  line.pop_back();
  for (size_t n = 0; n < line.size(); ++n) EXPECT_FALSE(parse_dmarc_report_line(line.substr(0, n))) << n;
  EXPECT_TRUE(parse_dmarc_report_line(line));
}

}  // namespace
}  // namespace postern
