// The DMARC aggregate report library (tools/posternctl/dmarc_report/): identical messages become one
// record with a count, dispositions and override reasons as RFC 9990 defines them, DKIM results in
// the RFC's order and at most 100, XML that is exact, always well-formed and valid against the
// RFC's schema (xmllint), gzip that round-trips, bounded gunzip, names as the RFC spells them, and
// the day's log read from the file and its rotated copies (plain, numbered, gzipped).
#include <gtest/gtest.h>
#include <sys/time.h>
#include <zlib.h>

#include <fstream>

#include "common/dmarc/report_log.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/posternctl/dmarc_report/aggregate.h"
#include "tools/posternctl/dmarc_report/build.h"
#include "tools/posternctl/dmarc_report/destinations.h"
#include "tools/posternctl/dmarc_report/gzip.h"
#include "tools/posternctl/dmarc_report/mail.h"
#include "tools/posternctl/dmarc_report/naming.h"
#include "tools/posternctl/dmarc_report/rua.h"
#include "tools/posternctl/dmarc_report/xml.h"

namespace postern {
namespace {

DmarcLogEntry entry(std::string ip = "192.0.2.1") {
  DmarcLogEntry e;
  e.time = 1767225600 + 10;
  e.ip = std::move(ip);
  e.header_from = "example.org";
  e.dmarc = DmarcResult::fail;
  e.policy_domain = "example.org";
  e.has_record = true;
  e.p = DmarcPolicy::reject;
  e.policy = DmarcPolicy::reject;
  e.applied = DmarcPolicy::reject;
  e.disposition = DmarcPolicy::reject;
  e.envelope_from_known = true;
  e.envelope_from = "bounce.example.net";
  e.envelope_to = {"example.com"};
  e.spf_domain = "bounce.example.net";
  e.spf_result = "pass";
  e.dkim = {{"example.org", "s1", "fail", false}};
  e.rua = {"mailto:dmarc@example.org"};
  return e;
}

std::string validate(const std::string& xml) {
  test::TempDir dir;
  auto file = dir.write("report.xml", xml);
  auto r = test::run_command({XMLLINT, "--noout", "--nonet", "--schema", DMARC_XSD, file.string()});
  return r.exit_code == 0 ? "" : r.output;
}

TEST(DmarcReportAggregate, IdenticalMessagesAreOneRecordWithACount) {
  DmarcReportAggregator agg;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(agg.add(entry()));
  EXPECT_TRUE(agg.add(entry("192.0.2.2")));
  auto other = entry();
  other.policy_domain = other.header_from = "other.example";
  EXPECT_TRUE(agg.add(other));
  auto no_record = entry();
  no_record.has_record = false;
  EXPECT_FALSE(agg.add(no_record));
  auto bad_name = entry();
  bad_name.policy_domain = "../../etc";
  EXPECT_FALSE(agg.add(bad_name));
  auto no_ip = entry("");
  EXPECT_FALSE(agg.add(no_ip));
  EXPECT_EQ(agg.distinct_rows(), 3u);
  EXPECT_EQ(agg.stats().not_reportable, 3u);
  auto reports = agg.take();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].policy.domain, "example.org");
  EXPECT_EQ(reports[0].messages, 1001u);
  ASSERT_EQ(reports[0].rows.size(), 2u);
  EXPECT_EQ(reports[0].rows[0].count, 1000u);
  EXPECT_EQ(reports[0].rows[0].source_ip, "192.0.2.1");
  EXPECT_EQ(reports[0].rows[1].count, 1u);
  EXPECT_EQ(reports[1].policy.domain, "other.example");
  EXPECT_EQ(agg.distinct_rows(), 0u);
}

TEST(DmarcReportAggregate, DispositionsAndOverrideReasons) {
  auto pass = entry();
  pass.dmarc = DmarcResult::pass;
  pass.disposition = pass.applied = DmarcPolicy::none;
  pass.dkim[0] = {"example.org", "s1", "pass", true};
  auto r = dmarc_report_rows(pass).at(0);
  EXPECT_EQ(r.disposition, DmarcReportDisposition::pass);  // passed under an enforcing policy
  EXPECT_TRUE(r.dkim_pass);
  EXPECT_TRUE(r.reasons.empty());
  auto monitored = entry();  // [dmarc] enforce = false: reject asked, nothing done
  monitored.disposition = DmarcPolicy::none;
  r = dmarc_report_rows(monitored).at(0);
  EXPECT_EQ(r.disposition, DmarcReportDisposition::none);
  EXPECT_EQ(r.reasons, std::vector<DmarcOverrideType>{DmarcOverrideType::local_policy});
  auto listed = entry();
  listed.override_reason = DmarcOverride::mailing_list;
  listed.applied = listed.disposition = DmarcPolicy::quarantine;
  EXPECT_EQ(dmarc_report_rows(listed).at(0).reasons,
            std::vector<DmarcOverrideType>{DmarcOverrideType::mailing_list});
  auto forwarded = listed;
  forwarded.override_reason = DmarcOverride::forwarded;
  EXPECT_EQ(dmarc_report_rows(forwarded).at(0).reasons,
            std::vector<DmarcOverrideType>{DmarcOverrideType::trusted_forwarder});
  auto testing = entry();
  testing.testing = true;
  testing.policy = DmarcPolicy::none;
  testing.applied = testing.disposition = DmarcPolicy::none;
  r = dmarc_report_rows(testing).at(0);
  EXPECT_EQ(r.disposition, DmarcReportDisposition::none);
  EXPECT_EQ(r.reasons, std::vector<DmarcOverrideType>{DmarcOverrideType::policy_test_mode});
}

TEST(DmarcReportAggregate, DkimResultsInTheRfcOrderAtMostOneHundred) {
  auto e = entry();
  e.header_from = "mail.example.org";
  e.dkim.clear();
  for (int i = 0; i < 120; ++i) e.dkim.push_back({"f" + std::to_string(i) + ".example", "s", "fail", false});
  e.dkim.push_back({"other.example", "s", "pass", false});
  e.dkim.push_back({"example.org", "s", "pass", true});       // relaxed aligned
  e.dkim.push_back({"mail.example.org", "s", "pass", true});  // strictly aligned
  auto r = dmarc_report_rows(e).at(0);
  ASSERT_EQ(r.dkim.size(), kMaxReportDkimResults);
  EXPECT_EQ(r.dkim[0].domain, "mail.example.org");
  EXPECT_EQ(r.dkim[1].domain, "example.org");
  EXPECT_EQ(r.dkim[2].domain, "other.example");
  EXPECT_EQ(r.dkim[3].domain, "f0.example");
  EXPECT_EQ(r.dkim[99].domain, "f96.example");
}

DmarcReportMeta meta() {
  DmarcReportMeta m;
  m.org_name = "Example Receiver";
  m.email = "dmarc-reports@mx.example.net";
  m.report_id = "0123abcd";
  m.begin = 1767225600;
  m.end = 1767311999;
  m.generator = "postern test";
  return m;
}

TEST(DmarcReportXml, ExactBytesAndValidAgainstTheRfcSchema) {
  DmarcReportAggregator agg;
  agg.add(entry());
  agg.add(entry());
  auto helo = entry("2001:db8::25");
  helo.dmarc = DmarcResult::pass;
  helo.disposition = helo.applied = DmarcPolicy::none;
  helo.envelope_from = "";
  helo.spf_domain = "mail.sender.example";
  helo.spf_scope = DmarcSpfScope::helo;
  helo.spf_result = "none";
  helo.dkim = {{"example.org", "s1", "pass", true}};
  agg.add(helo);
  auto a = agg.take();
  ASSERT_EQ(a.size(), 1u);
  std::string xml = dmarc_report_xml(a[0], meta());
  EXPECT_EQ(xml, R"(<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <version>1.0</version>
  <report_metadata>
    <org_name>Example Receiver</org_name>
    <email>dmarc-reports@mx.example.net</email>
    <report_id>0123abcd</report_id>
    <date_range>
      <begin>1767225600</begin>
      <end>1767311999</end>
    </date_range>
    <generator>postern test</generator>
  </report_metadata>
  <policy_published>
    <domain>example.org</domain>
    <discovery_method>treewalk</discovery_method>
    <p>reject</p>
    <sp>reject</sp>
    <np>reject</np>
    <fo>0</fo>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <testing>n</testing>
  </policy_published>
  <record>
    <row>
      <source_ip>192.0.2.1</source_ip>
      <count>2</count>
      <policy_evaluated>
        <disposition>reject</disposition>
        <dkim>fail</dkim>
        <spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.org</header_from>
      <envelope_from>bounce.example.net</envelope_from>
      <envelope_to>example.com</envelope_to>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>example.org</domain>
        <selector>s1</selector>
        <result>fail</result>
      </dkim>
      <spf>
        <domain>bounce.example.net</domain>
        <scope>mfrom</scope>
        <result>pass</result>
      </spf>
    </auth_results>
  </record>
  <record>
    <row>
      <source_ip>2001:db8::25</source_ip>
      <count>1</count>
      <policy_evaluated>
        <disposition>pass</disposition>
        <dkim>pass</dkim>
        <spf>fail</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <header_from>example.org</header_from>
      <envelope_from></envelope_from>
      <envelope_to>example.com</envelope_to>
    </identifiers>
    <auth_results>
      <dkim>
        <domain>example.org</domain>
        <selector>s1</selector>
        <result>pass</result>
      </dkim>
      <spf>
        <domain>mail.sender.example</domain>
        <result>none</result>
      </spf>
    </auth_results>
  </record>
</feedback>
)");
  EXPECT_EQ(validate(xml), "");
  // The check can fail: a value outside the schema's enumeration is caught.
  std::string bad = xml;
  bad.replace(bad.find("<disposition>reject"), 19, "<disposition>maybe");
  EXPECT_NE(validate(bad), "");
}

TEST(DmarcReportXml, HostileValuesStayWellFormedAndValid) {
  auto e = entry();
  e.header_from = "<x>&\"'\x01\xff\xc3\xa9";
  e.dkim[0].selector = "]]></selector><evil/>";
  e.envelope_to = {std::string("\xed\xa0\x80", 3)};  // a UTF-16 surrogate: not UTF-8
  DmarcReportAggregator agg;
  agg.add(e);
  auto m = meta();
  m.org_name = "A & B <Mail>";
  std::string xml = dmarc_report_xml(agg.take()[0], m);
  EXPECT_NE(xml.find("<header_from>&lt;x&gt;&amp;&quot;&apos;?\?\xc3\xa9</header_from>"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<selector>]]&gt;&lt;/selector&gt;&lt;evil/&gt;</selector>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<envelope_to>?\?\?</envelope_to>"), std::string::npos) << xml;
  EXPECT_EQ(validate(xml), "");
  EXPECT_EQ(xml_text(std::string("a\0b", 3)), "a?b");
}

TEST(DmarcReportGzip, RoundTripAndBoundedInflate) {
  std::string xml(200000, 'x');
  auto gz = gzip_compress(xml);
  ASSERT_TRUE(gz);
  EXPECT_TRUE(looks_gzipped(*gz));
  EXPECT_EQ(*gzip_compress(xml), *gz);  // same input, same bytes (mtime 0)
  auto back = gunzip_bounded(*gz, 1 << 20, 1000);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, xml);
  auto bomb = gunzip_bounded(*gz, 100000, 1000);
  ASSERT_FALSE(bomb);
  EXPECT_NE(bomb.error().message.find("expands beyond 100000 bytes"), std::string::npos);
  auto ratio = gunzip_bounded(*gz, 1 << 20, 10);
  ASSERT_FALSE(ratio);
  EXPECT_NE(ratio.error().message.find("10 times the input"), std::string::npos) << ratio.error().message;
  auto cut = gunzip_bounded(gz->substr(0, gz->size() / 2), 1 << 20, 1000);
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().message.find("truncated"), std::string::npos) << cut.error().message;
  for (size_t n = 0; n < gz->size(); n += 7)
    EXPECT_FALSE(gunzip_bounded(gz->substr(0, n), 1 << 20, 1000)) << n;
  EXPECT_FALSE(gunzip_bounded("not gzip", 100, 10));
  auto trailing = gunzip_bounded(*gz + "x", 1 << 20, 1000);
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message.find("after the gzip stream"), std::string::npos);
}

TEST(DmarcReportNames, AsTheRfcSpellsThem) {
  std::string id = dmarc_report_id("mx.example.net", "host1", "example.org", 1767225600);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  EXPECT_EQ(dmarc_report_id("mx.example.net", "host1", "example.org", 1767225600), id);
  EXPECT_NE(dmarc_report_id("mx.example.net", "host2", "example.org", 1767225600), id);
  EXPECT_NE(dmarc_report_id("mx.example.net", "host1", "example.org", 1767312000), id);
  EXPECT_EQ(dmarc_report_file_name("mx.example.net", "example.org", 1767225600, 1767311999, id),
            "mx.example.net!example.org!1767225600!1767311999!" + id + ".xml.gz");
  EXPECT_EQ(dmarc_report_subject("example.org", "mx.example.net", id),
            "Report Domain: example.org Submitter: mx.example.net Report-ID: <" + id + ">");
  EXPECT_EQ(*parse_report_day("2026-01-01"), 1767225600);
  EXPECT_EQ(format_report_day(1767225600 + 86399), "2026-01-01");
  for (const char* bad : {"2026-02-30", "2026-1-01", "yesterday", "1969-12-31", "2026-13-01", ""})
    EXPECT_FALSE(parse_report_day(bad)) << bad;
}

void write_gz(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
}

void set_mtime(const std::filesystem::path& p, int64_t t) {
  timeval tv[2] = {{static_cast<time_t>(t), 0}, {static_cast<time_t>(t), 0}};
  ASSERT_EQ(::utimes(p.c_str(), tv), 0);
}

// The day is read from the log and its rotated copies (.1, .2.gz, dated), lines of other days and
// damaged lines are left out, and a file last written before the day is not read at all.
TEST(DmarcReportBuild, ReadsTheDayFromTheLogAndItsRotatedCopies) {
  test::TempDir dir;
  const int64_t day = 1767225600;
  DmarcVerdict v;
  v.result = DmarcResult::fail;
  v.author_domain = v.policy_domain = "example.org";
  v.record = DmarcRecord{};
  v.record->p = DmarcPolicy::reject;
  v.requested = v.applied = DmarcPolicy::reject;
  DmarcInput in;
  in.spf_domain = "example.org";
  in.spf_result = AuthResult::fail;
  in.client_ip = IpAddress::parse("192.0.2.7").value();
  auto line = [&](int64_t t) { return format_dmarc_report_line(t, in, v, "reject"); };
  auto log = (dir / "dmarc.log").string();
  dir.write("dmarc.log", line(day + 86400) + line(day + 86399));  // today's file: 1 in the day
  dir.write("dmarc.log.1", line(day + 100) + "{\"time\":" + std::to_string(day + 5) + ",broken\n" +
                               std::string(kMaxReportLineBytes + 10, 'x') + "\n" + line(day + 200));
  write_gz(log + ".2.gz", line(day - 1) + line(day + 1));
  dir.write("dmarc.log-20251230", line(day + 3));  // last written before the day: not read
  dir.write("other.log", line(day + 4));
  set_mtime(dir / "dmarc.log", day + 86400 + 60);
  set_mtime(dir / "dmarc.log.1", day + 80000);
  set_mtime(dir / "dmarc.log.2.gz", day + 10);
  set_mtime(dir / "dmarc.log-20251230", day - 3600);
  Config c;
  c.dmarc.report_log = log;
  c.dmarc.reports.org_name = "Example";
  c.dmarc.reports.from = "reports@MX.example.net";
  auto d = build_day_reports(c, day, "host", "gen");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->scan.files_read.size(), 3u);
  EXPECT_EQ(d->scan.lines, 5u);  // 1 + 3 (one broken) + 1
  EXPECT_EQ(d->scan.skipped, 1u);
  EXPECT_EQ(d->bad_lines, 1u);
  ASSERT_EQ(d->reports.size(), 1u);
  const BuiltReport& r = d->reports[0];
  EXPECT_EQ(r.aggregate.messages, 4u);
  ASSERT_EQ(r.aggregate.rows.size(), 1u);
  EXPECT_EQ(r.receiver, "mx.example.net");
  EXPECT_EQ(r.file_name, "mx.example.net!example.org!1767225600!1767311999!" + r.meta.report_id + ".xml.gz");
  auto xml = gunzip_bounded(r.gz, 1 << 20, 1000);
  ASSERT_TRUE(xml);
  EXPECT_EQ(xml->size(), r.xml_bytes);
  EXPECT_NE(xml->find("<count>4</count>"), std::string::npos) << *xml;
  EXPECT_EQ(validate(*xml), "");
  c.dmarc.reports.exclude_domains = {"EXAMPLE.org"};
  auto excluded = build_day_reports(c, day, "host", "gen");
  ASSERT_TRUE(excluded);
  EXPECT_TRUE(excluded->reports.empty());
  EXPECT_EQ(excluded->excluded, 4u);
}

// RFC 9990: envelope_to is per record. A message to two domains counts in each domain's row, and
// once in the report's message total; a message with no logged recipient has no envelope_to.
TEST(DmarcReportAggregate, OneRowPerRecipientDomain) {
  DmarcReportAggregator agg;
  auto two = entry();
  two.envelope_to = {"example.com", "example.net"};
  agg.add(two);
  agg.add(entry());  // example.com only
  auto none = entry();
  none.envelope_to.clear();
  agg.add(none);
  EXPECT_EQ(agg.distinct_rows(), 3u);
  auto a = agg.take();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].messages, 3u);
  ASSERT_EQ(a[0].rows.size(), 3u);
  EXPECT_EQ(a[0].rows[0].envelope_to, "example.com");
  EXPECT_EQ(a[0].rows[0].count, 2u);
  EXPECT_EQ(a[0].rows[1].envelope_to, "");
  EXPECT_EQ(a[0].rows[1].count, 1u);
  EXPECT_EQ(a[0].rows[2].envelope_to, "example.net");
  EXPECT_EQ(a[0].rows[2].count, 1u);
  std::string xml = dmarc_report_xml(a[0], meta());
  EXPECT_EQ(validate(xml), "");
  EXPECT_NE(xml.find("<envelope_to>example.net</envelope_to>"), std::string::npos) << xml;
  // A domain twice in a hand-edited line counts once.
  auto twice = entry();
  twice.envelope_to = {"example.com", "example.com"};
  EXPECT_EQ(dmarc_report_rows(twice).size(), 1u);
}

// report_metadata's <error>: temperrors looking up the policy and unreadable lines of the domain,
// and log files not read in full; one element (the schema allows one), valid, in the RFC's place.
TEST(DmarcReportErrors, WhatCouldNotBeEvaluatedIsReported) {
  DmarcReportAggregator agg;
  agg.add(entry());
  auto temp = entry();
  temp.dmarc = DmarcResult::temperror;
  temp.has_record = false;
  EXPECT_FALSE(agg.add(temp));
  EXPECT_FALSE(agg.add(temp));
  agg.add_unreadable("example.org");
  auto only_errors = temp;
  only_errors.policy_domain = "broken.example";
  agg.add(only_errors);
  agg.add_unreadable("unseen.example");
  agg.add_unreadable("../etc");
  auto a = agg.take();
  ASSERT_EQ(a.size(), 1u);  // domains with errors only get no report
  EXPECT_EQ(a[0].temperrors, 2u);
  EXPECT_EQ(a[0].unreadable, 1u);
  EXPECT_EQ(a[0].messages, 1u);
  ReportLogScan scan;
  auto m = meta();
  m.errors = report_errors(a[0], scan);
  EXPECT_EQ(m.errors, (std::vector<std::string>{
                          "2 message(s) not evaluated: temporary DNS error looking up the DMARC policy",
                          "1 evaluation(s) not reported: unreadable log entries"}));
  scan.errors = {"/var/log/dmarc.log.2.gz: truncated gzip file; read up to the damage"};
  m.errors = report_errors(a[0], scan);
  ASSERT_EQ(m.errors.size(), 3u);
  EXPECT_EQ(m.errors[2], "part of the receiver's log could not be read (1 file error(s)); counts may be low");
  std::string xml = dmarc_report_xml(a[0], m);
  EXPECT_NE(
      xml.find("      <end>1767311999</end>\n    </date_range>\n    <error>2 message(s) not evaluated: "
               "temporary DNS error looking up the DMARC policy; 1 evaluation(s) not reported: unreadable "
               "log entries; part of the receiver&apos;s log could not be read (1 file error(s)); counts "
               "may be low</error>\n    <generator>postern test</generator>\n"),
      std::string::npos)
      << xml;
  EXPECT_EQ(validate(xml), "");
  // No errors, no element.
  EXPECT_EQ(dmarc_report_xml(a[0], meta()).find("<error>"), std::string::npos);
}

// From the log: a temperror line and a line the reader refuses but that names its domain end up in
// that domain's <error>.
TEST(DmarcReportErrors, BuildCountsTemperrorsAndUnreadableLinesPerDomain) {
  test::TempDir dir;
  const int64_t day = 1767225600;
  DmarcVerdict v;
  v.result = DmarcResult::fail;
  v.author_domain = v.policy_domain = "example.org";
  v.record = DmarcRecord{};
  v.record->p = DmarcPolicy::reject;
  v.requested = v.applied = DmarcPolicy::reject;
  DmarcInput in;
  in.spf_domain = "example.org";
  in.spf_result = AuthResult::fail;
  in.client_ip = IpAddress::parse("192.0.2.7").value();
  DmarcVerdict t;
  t.result = DmarcResult::temperror;
  t.author_domain = t.policy_domain = "example.org";
  std::string good = format_dmarc_report_line(day + 10, in, v, "reject");
  std::string bad = good;
  bad.replace(bad.find("\"dmarc\":\"fail\""), 14, "\"dmarc\":\"odd\"");
  dir.write("dmarc.log", good + format_dmarc_report_line(day + 20, in, t, "none") + bad);
  set_mtime(dir / "dmarc.log", day + 100);
  Config c;
  c.dmarc.report_log = (dir / "dmarc.log").string();
  c.dmarc.reports.org_name = "Example";
  c.dmarc.reports.from = "reports@mx.example.net";
  auto d = build_day_reports(c, day, "host", "gen");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->bad_lines, 1u);
  ASSERT_EQ(d->reports.size(), 1u);
  EXPECT_EQ(
      d->reports[0].meta.errors,
      (std::vector<std::string>{"1 message(s) not evaluated: temporary DNS error looking up the DMARC policy",
                                "1 evaluation(s) not reported: unreadable log entries"}));
  auto xml = gunzip_bounded(d->reports[0].gz, 1 << 20, 1000);
  ASSERT_TRUE(xml);
  EXPECT_NE(xml->find("<error>1 message(s) not evaluated"), std::string::npos) << *xml;
  EXPECT_EQ(validate(*xml), "");
}

}  // namespace
}  // namespace postern

namespace postern {
namespace {

TEST(DmarcReportUri, MailtoWithSizeLimits) {
  auto u = parse_report_uri("mailto:DMARC@Example.ORG!10m");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->address, "DMARC@example.org");
  EXPECT_EQ(u->host, "example.org");
  EXPECT_EQ(u->max_bytes, 10u << 20);
  EXPECT_EQ(parse_report_uri("mailto:a@b.example!500")->max_bytes, 500u);
  EXPECT_EQ(parse_report_uri("mailto:a%2Bb@b.example")->address, "a+b@b.example");
  EXPECT_FALSE(parse_report_uri("mailto:a%40x@b.example"));  // two '@' after decoding
  EXPECT_FALSE(parse_report_uri("mailto:a@b.example?subject=x"));
  EXPECT_FALSE(parse_report_uri("mailto:a@b.example,c@d.example"));
  EXPECT_FALSE(parse_report_uri("https://reports.example/dmarc"));
  EXPECT_FALSE(parse_report_uri("mailto:a@b.example!"));
  EXPECT_FALSE(parse_report_uri("mailto:a@b.example!9999999999999999k"));
  EXPECT_FALSE(parse_report_uri("mailto:@b.example"));
  EXPECT_FALSE(parse_report_uri("mailto:a@../etc"));
  EXPECT_FALSE(parse_report_uri(std::string("mailto:a@b.example") + std::string(600, 'x')));
}

// RFC 9990 section 3 against a real DNS server: same organization is used as is; an outside
// address only with DOMAIN._report._dmarc.HOST; that record's rua replaces the address on the
// same host and drops it when it points elsewhere; DNS trouble is temperror, not a refusal.
TEST(DmarcReportDestinations, OutsideAddressesNeedTheirAuthorizationRecord) {
  test::TestDnsServer dns;
  dns.add("_dmarc.example.org", "TXT",
          "\"v=DMARC1; p=none; rua=mailto:agg@example.org,mailto:d@mail.example.org!1k,"
          "mailto:x@auth.test,mailto:y@noauth.test,mailto:z@moved.test,mailto:w@elsewhere.test,"
          "mailto:v@slow.test,https://x.example/r\"");
  dns.add("example.org._report._dmarc.auth.test", "TXT", "\"v=DMARC1\"");
  dns.add("example.org._report._dmarc.moved.test", "TXT", "\"v=DMARC1; rua=mailto:inbox@moved.test\"");
  dns.add("example.org._report._dmarc.elsewhere.test", "TXT", "\"v=DMARC1; rua=mailto:w@other.test\"");
  dns.add("example.org._report._dmarc.noauth.test", "TXT", "\"not a dmarc record\"");
  dns.set_behavior("example.org._report._dmarc.slow.test", test::DnsBehavior::servfail);
  auto resolver = test::make_test_resolver(dns);
  auto plan = plan_report_destinations(*resolver, "example.org", Deadline::after(std::chrono::seconds(10)));
  ASSERT_EQ(plan.record, DmarcLookupStatus::found);
  std::map<std::string, const ReportDestination*> by;
  for (const auto& d : plan.destinations) by[d.target.address.empty() ? d.uri : d.target.address] = &d;
  ASSERT_EQ(plan.destinations.size(), 8u);  // https is listed, as unusable
  EXPECT_EQ(by["agg@example.org"]->status, DestinationStatus::send);
  EXPECT_FALSE(by["agg@example.org"]->external);
  EXPECT_EQ(by["d@mail.example.org"]->status, DestinationStatus::send);
  EXPECT_EQ(by["d@mail.example.org"]->target.max_bytes, 1024u);
  EXPECT_EQ(by["x@auth.test"]->status, DestinationStatus::send);
  EXPECT_TRUE(by["x@auth.test"]->external);
  EXPECT_EQ(by["y@noauth.test"]->status, DestinationStatus::unauthorized);
  EXPECT_NE(by["y@noauth.test"]->reason.find("no v=DMARC1 record at example.org._report._dmarc.noauth.test"),
            std::string::npos);
  ASSERT_TRUE(by["inbox@moved.test"]);
  EXPECT_EQ(by["inbox@moved.test"]->status, DestinationStatus::send);
  EXPECT_EQ(by["w@elsewhere.test"]->status, DestinationStatus::unauthorized);
  EXPECT_EQ(by["v@slow.test"]->status, DestinationStatus::temperror);
  EXPECT_EQ(by["https://x.example/r"]->status, DestinationStatus::unusable_uri);
  auto none = plan_report_destinations(*resolver, "nothing.test", Deadline::after(std::chrono::seconds(10)));
  EXPECT_EQ(none.record, DmarcLookupStatus::none);
}

TEST(DmarcReportMail, MimeWithTheAttachmentBytes) {
  BuiltReport r;
  r.receiver = "mx.example.net";
  r.meta.report_id = "abc123";
  r.meta.begin = 1767225600;
  r.aggregate.policy.domain = "example.org";
  r.file_name = "mx.example.net!example.org!1767225600!1767311999!abc123.xml.gz";
  r.subject = dmarc_report_subject("example.org", "mx.example.net", "abc123");
  r.gz = std::string("\x1f\x8b\x00\xff", 4) + std::string(100, 'z');
  std::string m = compose_report_mail(r, "reports@mx.example.net", "dmarc@example.org", 1767312000);
  EXPECT_EQ(m.rfind("From: reports@mx.example.net\nTo: dmarc@example.org\n"
                    "Subject: Report Domain: example.org Submitter: mx.example.net Report-ID: <abc123>\n"
                    "Date: Fri, 02 Jan 2026 00:00:00 +0000\nMessage-ID: <abc123@mx.example.net>\n",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("Content-Type: application/gzip; name=\"" + r.file_name + "\"\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Disposition: attachment; filename=\"" + r.file_name + "\"\n"), std::string::npos);
  EXPECT_NE(m.find(base64_lines(r.gz)), std::string::npos);
  EXPECT_EQ(base64_lines("Man"), "TWFu\n");
  EXPECT_EQ(base64_lines("Ma"), "TWE=\n");
  EXPECT_EQ(base64_lines(std::string(57, 'a')).size(), 77u);  // one full 76-column line
  for (std::string_view line : {m}) EXPECT_EQ(line.find('\r'), std::string::npos);
}

}  // namespace
}  // namespace postern
