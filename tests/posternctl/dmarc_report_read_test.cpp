// Reading received DMARC aggregate reports: our own builder's reports (bare and as a mail), a
// hand-made RFC 7489 report (zipped and gzipped), and the attacks: zip and gzip bombs, entity
// expansion and external entities, a truncated gzip, deep nesting, 100,000 records (read, bounded
// time) and one record too many. A bad file is an error naming it; the others are still read.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/posternctl/dmarc_report/aggregate.h"
#include "tools/posternctl/dmarc_report/gzip.h"
#include "tools/posternctl/dmarc_report/mail.h"
#include "tools/posternctl/dmarc_report/read.h"
#include "tools/posternctl/dmarc_report/xml.h"

namespace postern {
namespace {

// A hand-made report in the RFC 7489 appendix C format: no namespace, pct, no selectors.
const std::string kOld = R"(<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>Old Receiver</org_name>
    <email>noreply-dmarc@old.example</email>
    <report_id>17362842962549283562</report_id>
    <date_range><begin>1767225600</begin><end>1767311999</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct>
  </policy_published>
  <record>
    <row><source_ip>192.0.2.10</source_ip><count>7</count>
      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><result>pass</result></dkim>
      <spf><domain>bounce.example.com</domain><result>pass</result></spf></auth_results>
  </record>
  <record>
    <row><source_ip>203.0.113.66</source_ip><count>3</count>
      <policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>spoof.example</domain><result>softfail</result></spf></auth_results>
  </record>
</feedback>
)";

std::string deflate_raw(std::string_view data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void le(std::string& s, uint32_t v, int n) {
  for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A one-entry zip (deflate), as receivers that send .zip make them; declared_size lets a test lie.
std::string make_zip(const std::string& name, std::string_view data, int64_t declared_size = -1) {
  std::string comp = deflate_raw(data);
  uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  uint32_t usize =
      declared_size < 0 ? static_cast<uint32_t>(data.size()) : static_cast<uint32_t>(declared_size);
  std::string z;
  le(z, 0x04034b50, 4), le(z, 20, 2), le(z, 0, 2), le(z, 8, 2), le(z, 0, 4), le(z, crc, 4);
  le(z, static_cast<uint32_t>(comp.size()), 4), le(z, usize, 4), le(z, static_cast<uint32_t>(name.size()), 2),
      le(z, 0, 2);
  z += name + comp;
  size_t cd = z.size();
  le(z, 0x02014b50, 4), le(z, 20, 2), le(z, 20, 2), le(z, 0, 2), le(z, 8, 2), le(z, 0, 4), le(z, crc, 4);
  le(z, static_cast<uint32_t>(comp.size()), 4), le(z, usize, 4), le(z, static_cast<uint32_t>(name.size()), 2);
  le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 2), le(z, 0, 4), le(z, 0, 4);
  z += name;
  size_t cd_size = z.size() - cd;
  le(z, 0x06054b50, 4), le(z, 0, 2), le(z, 0, 2), le(z, 1, 2), le(z, 1, 2);
  le(z, static_cast<uint32_t>(cd_size), 4), le(z, static_cast<uint32_t>(cd), 4), le(z, 0, 2);
  return z;
}

std::string only_error(const DmarcReportReader& r) {
  if (r.errors().size() != 1 || !r.reports().empty()) return "expected exactly one error";
  return r.errors()[0].message;
}

TEST(DmarcReportRead, OurOwnReportBareAndAsAMail) {
  DmarcReportAggregator agg;
  DmarcLogEntry e;
  e.time = 1767225700;
  e.ip = "192.0.2.1";
  e.header_from = e.policy_domain = "example.org";
  e.has_record = true;
  e.p = DmarcPolicy::quarantine;
  e.policy = DmarcPolicy::quarantine;
  e.dmarc = DmarcResult::pass;
  e.dkim = {{"example.org", "s1", "pass", true}};
  e.spf_domain = "example.org";
  e.spf_result = "pass";
  for (int i = 0; i < 5; ++i) agg.add(e);
  e.ip = "198.51.100.3";
  e.dmarc = DmarcResult::fail;
  e.dkim = {{"example.org", "s1", "fail", false}};
  e.disposition = e.applied = DmarcPolicy::quarantine;
  agg.add(e);
  BuiltReport b;
  b.aggregate = agg.take()[0];
  b.receiver = "mx.example.net";
  b.meta = {"Example", "r@mx.example.net", "id1", 1767225600, 1767311999, "test", {}};
  b.file_name = "mx.example.net!example.org!1767225600!1767311999!id1.xml.gz";
  b.gz = *gzip_compress(dmarc_report_xml(b.aggregate, b.meta));
  DmarcReportReader r;
  r.read_bytes("bare.xml.gz", b.gz);
  r.read_bytes("mail.eml", compose_report_mail(b, "r@mx.example.net", "dmarc@example.org", 1767312000));
  ASSERT_TRUE(r.errors().empty()) << r.errors()[0].source << ": " << r.errors()[0].message;
  ASSERT_EQ(r.reports().size(), 2u);
  EXPECT_EQ(r.reports()[0].meta.format, DmarcReportFormat::rfc9990);
  EXPECT_EQ(r.reports()[1].source, "mail.eml: " + b.file_name);
  EXPECT_EQ(r.reports()[1].meta.report_id, "id1");
  const DomainSummary& d = r.domains().at("example.org");
  EXPECT_EQ(d.reports, 2u);
  EXPECT_EQ(d.messages, 12u);
  EXPECT_EQ(d.dmarc_pass, 10u);
  EXPECT_EQ(d.sources.at("198.51.100.3").dispositions.at("quarantine"), 2u);
  std::ostringstream text;
  r.print_text(text);
  EXPECT_NE(
      text.str().find("p=quarantine: not yet: 1 source(s) still fail DMARC: 198.51.100.3 (2 of 2 failed)"),
      std::string::npos)
      << text.str();
  std::ostringstream json;
  r.print_json(json);
  EXPECT_NE(json.str().find("\"ready_for_quarantine\":false"), std::string::npos) << json.str();
}

TEST(DmarcReportRead, Rfc7489ReportsPlainZippedAndGzipped) {
  DmarcReportReader r;
  r.read_bytes("old.xml", kOld);
  r.read_bytes("old.zip", make_zip("old.example!example.com!1767225600!1767311999.xml", kOld));
  r.read_bytes("old.xml.gz", *gzip_compress(kOld));
  ASSERT_TRUE(r.errors().empty()) << r.errors()[0].source << ": " << r.errors()[0].message;
  ASSERT_EQ(r.reports().size(), 3u);
  EXPECT_EQ(r.reports()[0].meta.format, DmarcReportFormat::rfc7489);
  EXPECT_EQ(r.reports()[0].meta.pct, "100");
  EXPECT_EQ(r.reports()[0].meta.messages, 10u);
  const DomainSummary& d = r.domains().at("example.com");
  EXPECT_EQ(d.messages, 30u);
  EXPECT_EQ(d.dmarc_pass, 21u);
  EXPECT_EQ(d.sources.at("203.0.113.66").messages, 9u);
  EXPECT_EQ(d.sources.at("203.0.113.66").dmarc_pass, 0u);
  std::ostringstream text;
  r.print_text(text);
  EXPECT_NE(text.str().find(
                "report old.zip: example.com 2026-01-01..2026-01-01 from Old Receiver "
                "<noreply-dmarc@old.example> (id 17362842962549283562, rfc7489): 10 messages in 2 records"),
            std::string::npos)
      << text.str();
}

TEST(DmarcReportRead, BombsAreStoppedAtTheLimits) {
  std::string zeros(40 * 1024 * 1024, 0);
  auto start = std::chrono::steady_clock::now();
  DmarcReportReader zip;
  zip.read_bytes("bomb.zip", make_zip("bomb.xml", zeros));
  EXPECT_NE(only_error(zip).find("declares 41943040 bytes, over the limit"), std::string::npos)
      << only_error(zip);
  DmarcReportReader liar;  // a small declared size does not let it expand further
  liar.read_bytes("liar.zip", make_zip("bomb.xml", zeros, 1000));
  EXPECT_NE(only_error(liar).find("expands beyond"), std::string::npos) << only_error(liar);
  DmarcReportReader gz;
  gz.read_bytes("bomb.xml.gz", *gzip_compress(zeros));
  EXPECT_NE(only_error(gz).find("gzip data expands beyond"), std::string::npos) << only_error(gz);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(DmarcReportRead, EntitiesDtdsAndBrokenInputAreRefused) {
  struct Case {
    std::string name, bytes, why;
  };
  std::string laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i < 10; ++i) {
    laughs += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) laughs += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    laughs += "\">\n";
  }
  laughs += "]>\n<feedback><report_metadata><org_name>&lol9;</org_name></report_metadata></feedback>\n";
  std::string deep = "<feedback>";
  for (int i = 0; i < 40; ++i) deep += "<a>";
  const std::string gz = *gzip_compress(kOld);
  const std::vector<Case> cases = {
      {"laughs.xml", laughs, "DOCTYPE or ENTITY declaration refused"},
      {"xxe.xml",
       "<?xml version=\"1.0\"?><!DOCTYPE f [<!ENTITY x SYSTEM "
       "\"file:///etc/passwd\">]><feedback>&x;</feedback>",
       "DOCTYPE or ENTITY declaration refused"},
      {"undeclared.xml", "<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>",
       "bad XML"},
      {"truncated.xml.gz", gz.substr(0, gz.size() - 20), "truncated"},
      {"deep.xml", deep, "nested deeper than 16"},
      {"html.xml", "<html><body>hi</body></html>", "root element is <html>"},
      {"other-ns.xml", "<feedback xmlns=\"urn:example:other\"/>", "unknown namespace"},
      {"no-id.xml", "<feedback><policy_published><domain>x.example</domain></policy_published></feedback>",
       "no <report_id>"},
      {"count.xml", std::string(kOld).replace(kOld.find("<count>7"), 8, "<count>-7"), "is not a count"},
      {"text.eml", "From: a@b.example\nSubject: hello\n\nno report here\n", "no report in it"},
  };
  DmarcReportReader r;
  r.read_bytes("good.xml", kOld);
  for (const auto& c : cases) r.read_bytes(c.name, c.bytes);
  ASSERT_EQ(r.reports().size(), 1u);  // the good one is read whatever comes after it
  ASSERT_EQ(r.errors().size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(r.errors()[i].source, cases[i].name);
    EXPECT_NE(r.errors()[i].message.find(cases[i].why), std::string::npos)
        << cases[i].name << ": " << r.errors()[i].message;
  }
}

// n records from `sources` distinct addresses (0: as many as 62,500; else each record also names
// a recipient domain of its own, so the report does not compress beyond the ratio limit).
std::string many_records(size_t n, size_t sources = 0) {
  std::string x =
      "<?xml version=\"1.0\"?><feedback "
      "xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\"><report_metadata><org_name>Big"
      "</org_name><email>a@big.example</email><report_id>big1</report_id><date_range><begin>1767225600</"
      "begin><end>"
      "1767311999</end></date_range></report_metadata><policy_published><domain>example.net</domain><p>none</"
      "p>"
      "</policy_published>";
  for (size_t i = 0; i < n; ++i) {
    const size_t k = sources ? i % sources : i;
    x +=
        "<record><row><source_ip>10." + std::to_string(k % 250) + "." + std::to_string(k / 250 % 250) +
        ".1</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>" +
        (i % 4 ? "pass" : "fail") +
        "</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.net</header_from>" +
        (sources ? "<envelope_to>r" + std::to_string(i * 7919 % 1000003) + ".example</envelope_to>" : "") +
        "</identifiers><auth_results><spf><domain>example.net</domain><result>fail</result></spf></"
        "auth_results>"
        "</record>";
  }
  return x + "</feedback>";
}

TEST(DmarcReportRead, AHundredThousandRecordsAreReadOneMoreThanTheLimitIsNot) {
  std::string big = many_records(100000);
  auto start = std::chrono::steady_clock::now();
  DmarcReportReader r;
  r.read_bytes("big.xml", big);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.errors().empty()) << r.errors()[0].message;
  const DomainSummary& d = r.domains().at("example.net");
  EXPECT_EQ(d.messages, 200000u);
  EXPECT_EQ(d.dmarc_pass, 150000u);
  EXPECT_EQ(d.sources.size(), 62500u);
  // Generous: debug and sanitizer builds on a busy machine; a release build takes a fraction.
  EXPECT_LT(took, std::chrono::seconds(90));
  DmarcReportReader over;
  over.read_bytes("over.xml", many_records(kMaxReportRecords + 1));
  EXPECT_NE(only_error(over).find("more than 200000 records"), std::string::npos) << only_error(over);
}

// Peak resident memory of this process (VmHWM) in bytes; reset_peak() sets it to the current RSS.
size_t peak_rss() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}
bool reset_peak() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.close();
  return !f.fail();
}

// AddressSanitizer keeps freed memory in quarantine (256 MB by default), so under it the peak
// grows with how much was allocated and freed, not with what is live: the bound below is checked
// in the builds without it (the debug build in tools/test.sh).
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POSTERN_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(POSTERN_UNDER_ASAN)
#define POSTERN_UNDER_ASAN 1
#endif
#ifdef POSTERN_UNDER_ASAN
constexpr bool kPeakIsMeaningful = false;
#else
constexpr bool kPeakIsMeaningful = true;
#endif

// A large valid report, gzipped and zipped: the XML is streamed from the inflater into the parser,
// so the peak memory while reading it grows by far less than its decompressed size (about 60 MB
// here; read whole, the peak would grow by at least that).
TEST(DmarcReportRead, ALargeReportIsStreamedInBoundedMemory) {
  const size_t records = 160000;
  std::string big = many_records(records, 50);
  const size_t xml_bytes = big.size();
  ASSERT_GT(xml_bytes, 52u * 1024 * 1024);
  ASSERT_LT(xml_bytes, kMaxReportXmlBytes);
  const std::string gz = *gzip_compress(big);
  const std::string zip = make_zip("big.xml", big);
  std::string().swap(big);
  ASSERT_GT(gz.size() * kMaxExpansionRatio, xml_bytes) << "compresses beyond the ratio limit";
  ASSERT_GT(zip.size() * kMaxExpansionRatio, xml_bytes) << "compresses beyond the ratio limit";
  for (const auto& [name, bytes] : {std::pair{"big.xml.gz", &gz}, std::pair{"big.zip", &zip}}) {
    ASSERT_TRUE(reset_peak()) << "/proc/self/clear_refs";
    const size_t before = peak_rss();
    DmarcReportReader r;
    r.read_bytes(name, *bytes);
    const size_t grew = peak_rss() - before;
    RecordProperty(std::string(name) + "_peak_growth_bytes", std::to_string(grew));
    ASSERT_TRUE(r.errors().empty()) << r.errors()[0].message;
    ASSERT_EQ(r.reports().size(), 1u);
    EXPECT_EQ(r.reports()[0].meta.records, records);
    const DomainSummary& d = r.domains().at("example.net");
    EXPECT_EQ(d.messages, 2 * records);
    EXPECT_EQ(d.sources.size(), 50u);
    if (kPeakIsMeaningful) {
      EXPECT_LT(grew, 16u * 1024 * 1024)
          << name << ": the peak grew by " << grew << " bytes for " << xml_bytes << " bytes of XML";
    }
  }
}

// Reverse names come from DNS when it answers; a source without a PTR record stays nameless.
TEST(DmarcReportRead, SourcesGetTheirReverseNamesWhenDnsAnswers) {
  test::TestDnsServer dns;
  ASSERT_TRUE(dns.add("10.2.0.192.in-addr.arpa", "PTR", "mail.example.com."));
  auto resolver = test::make_test_resolver(dns);
  DmarcReportReader r;
  r.read_bytes("old.xml", kOld);
  r.resolve_names(*resolver);
  const DomainSummary& d = r.domains().at("example.com");
  EXPECT_EQ(d.sources.at("192.0.2.10").name, "mail.example.com");
  EXPECT_EQ(d.sources.at("203.0.113.66").name, "");
  std::ostringstream text;
  r.print_text(text);
  EXPECT_NE(
      text.str().find("  192.0.2.10 mail.example.com: 7 messages, DMARC pass 7, DKIM 7, SPF 0, none 7\n"),
      std::string::npos)
      << text.str();
}

// The command: files and a maildir, one bad file among them, exit 1 naming it, JSON for scripts.
TEST(DmarcReportRead, CommandReadsFilesAndMaildirsAndNamesTheBadOnes) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "Maildir" / "cur");
  std::filesystem::create_directories(dir / "Maildir" / "new");
  std::string mail =
      "From: r@old.example\nSubject: Report Domain: example.com\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nhi\n"
      "--b1\nContent-Type: application/zip\nContent-Transfer-Encoding: base64\n"
      "Content-Disposition: attachment; filename=\"r.zip\"\n\n" +
      base64_lines(make_zip("r.xml", kOld)) + "--b1--\n";
  dir.write("Maildir/new/1.eml", mail);
  auto bad = dir.write("bad.xml.gz", gzip_compress(kOld)->substr(0, 40));
  auto good = dir.write("good.xml", kOld);
  auto r = test::run_command({POSTERNCTL, "dmarc", "report", "read", "--no-dns", (dir / "Maildir").string(),
                              bad.string(), good.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("report " + (dir / "Maildir/new/1.eml").string() + ": r.zip: example.com"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("error " + bad.string() + ": gzip data is truncated"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("domain example.com: 2 report(s)"), std::string::npos) << r.output;
  EXPECT_NE(
      r.output.find("p=quarantine: not yet: 1 source(s) still fail DMARC: 203.0.113.66 (6 of 6 failed)"),
      std::string::npos)
      << r.output;
  auto j = test::run_command({POSTERNCTL, "dmarc", "report", "read", "--json", "--no-dns", good.string()});
  EXPECT_EQ(j.exit_code, 0) << j.output;
  EXPECT_EQ(j.output.rfind("{\"reports\":[{\"file\":", 0), 0u) << j.output;
  EXPECT_NE(j.output.find("\"ip\":\"192.0.2.10\",\"name\":\"\",\"messages\":7,\"dmarc_pass\":7"),
            std::string::npos)
      << j.output;
}

}  // namespace
}  // namespace postern
