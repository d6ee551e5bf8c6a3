// Implements DmarcReportReader. Contract in read.h.
#include "tools/posternctl/dmarc_report/read.h"

#include <algorithm>
#include <filesystem>

#include "common/core/ascii.h"
#include "common/core/file_read.h"
#include "common/net/ip.h"
#include "tools/posternctl/dmarc_report/build.h"
#include "tools/posternctl/dmarc_report/gzip.h"
#include "tools/posternctl/dmarc_report/mail_parts.h"
#include "tools/posternctl/dmarc_report/zip.h"

namespace postern {
namespace {

constexpr std::string_view kOther = "(other sources)";

// Report text for a terminal: control characters and non-ASCII as '?', at most 253 bytes.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 253)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

std::string json(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s.substr(0, kMaxReportTextBytes)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool looks_xml(std::string_view d) {
  if (d.substr(0, 3) == "\xef\xbb\xbf") d.remove_prefix(3);
  size_t i = d.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && d.substr(i, 1) == "<";
}

std::string pct(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string day(int64_t t) { return format_report_day(t); }

std::vector<std::pair<std::string, const SourceStats*>> by_messages(const DomainSummary& d) {
  std::vector<std::pair<std::string, const SourceStats*>> v;
  for (const auto& [ip, s] : d.sources) v.emplace_back(ip, &s);
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second->messages > b.second->messages; });
  return v;
}

bool failing(const SourceStats& s) { return s.dmarc_pass < s.messages; }

}  // namespace

void DmarcReportReader::read_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    read_file(path);
    return;
  }
  std::vector<std::string> files;
  std::vector<fs::path> dirs;
  if (fs::is_directory(fs::path(path) / "cur", ec) || fs::is_directory(fs::path(path) / "new", ec))
    dirs = {fs::path(path) / "cur", fs::path(path) / "new"};
  else
    dirs = {fs::path(path)};
  for (const auto& d : dirs) {
    fs::directory_iterator it(d, ec);
    if (ec) continue;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) read_file(f);
}

void DmarcReportReader::read_file(const std::string& path) {
  if (++files_ > kMaxReadFiles) {
    if (files_ == kMaxReadFiles + 1)
      errors_.push_back(
          {path, "more than " + std::to_string(kMaxReadFiles) + " files; the rest were not read"});
    return;
  }
  auto bytes = read_regular_file(path, kMaxReadFileBytes);
  if (!bytes) {
    std::string m = bytes.error().message;
    if (m.rfind(path + ": ", 0) == 0) m.erase(0, path.size() + 2);
    errors_.push_back({path, m});
    return;
  }
  read_bytes(path, *bytes);
}

void DmarcReportReader::read_bytes(const std::string& source, std::string_view bytes) {
  read_report(source, bytes, true);
}

void DmarcReportReader::read_report(const std::string& source, std::string_view bytes, bool allow_mail) {
  enum class Container { xml, gzip, zip };
  Container container = Container::xml;
  if (looks_gzipped(bytes)) {
    container = Container::gzip;
  } else if (looks_zipped(bytes)) {
    container = Container::zip;
  } else if (!looks_xml(bytes)) {
    if (!allow_mail) {
      errors_.push_back({source, "neither gzip, zip nor XML"});
      return;
    }
    auto parts = report_attachments(bytes, kMaxReadFileBytes);
    if (!parts) {
      errors_.push_back({source, parts.error().message});
      return;
    }
    if (parts->empty()) {
      errors_.push_back({source, "no report in it (not gzip, zip or XML, and no report attachment)"});
      return;
    }
    for (const auto& a : *parts)
      read_report(source + ": " + (a.name.empty() ? "attachment" : printable(a.name)), a.bytes, false);
    return;
  }
  // Records go into a scratch summary first: a report that fails half-way adds nothing.
  std::map<std::string, SourceStats> sources;
  size_t dropped = 0;
  DmarcReportXmlParser parser([&](const ReadRecord& r) {
    std::string key = IpAddress::parse(r.source_ip) ? r.source_ip : std::string("(bad address)");
    if (sources.size() >= kMaxSummarySources && !sources.count(key)) {
      key = kOther;
      ++dropped;
    }
    SourceStats& s = sources[key];
    s.messages += r.count;
    bool dkim = ascii_lower(r.dkim) == "pass", spf = ascii_lower(r.spf) == "pass";
    if (dkim || spf) s.dmarc_pass += r.count;
    if (dkim) s.dkim_pass += r.count;
    if (spf) s.spf_pass += r.count;
    std::string disp = ascii_lower(r.disposition);
    if (disp != "none" && disp != "pass" && disp != "quarantine" && disp != "reject") disp = "other";
    s.dispositions[disp] += r.count;
  });
  // The XML goes to the parser as it is inflated: never whole in memory (kInflateChunkBytes).
  auto feed = [&](std::string_view piece) { return parser.feed(piece); };
  Result<size_t> fed = size_t{0};
  if (container == Container::gzip)
    fed = gunzip_stream(bytes, kMaxReportXmlBytes, kMaxExpansionRatio, feed);
  else if (container == Container::zip)
    fed = unzip_report_stream(bytes, kMaxReportXmlBytes, kMaxExpansionRatio, feed);
  else if (auto f = parser.feed(bytes); !f)
    fed = f.error();
  if (!fed) {
    errors_.push_back({source, fed.error().message});
    return;
  }
  auto meta = parser.finish();
  if (!meta) {
    errors_.push_back({source, meta.error().message});
    return;
  }
  std::string domain = ascii_lower(meta->domain);
  if (domains_.size() >= kMaxSummaryDomains && !domains_.count(domain)) domain = "(other domains)";
  DomainSummary& d = domains_[domain];
  ++d.reports;
  d.begin = d.reports == 1 ? meta->begin : std::min(d.begin, meta->begin);
  d.end = std::max(d.end, meta->end);
  d.policy = meta->p;
  for (auto& [ip, s] : sources) {
    std::string key = ip;
    if (d.sources.size() >= kMaxSummarySources && !d.sources.count(key)) key = kOther;
    SourceStats& t = d.sources[key];
    t.messages += s.messages;
    t.dmarc_pass += s.dmarc_pass;
    t.dkim_pass += s.dkim_pass;
    t.spf_pass += s.spf_pass;
    for (const auto& [k, n] : s.dispositions) t.dispositions[k] += n;
    d.messages += s.messages;
    d.dmarc_pass += s.dmarc_pass;
    d.dkim_pass += s.dkim_pass;
    d.spf_pass += s.spf_pass;
  }
  reports_.push_back({source, std::move(*meta)});
}

void DmarcReportReader::resolve_names(Resolver& resolver) {
  auto deadline = Deadline::after(std::chrono::seconds(20));
  size_t asked = 0;
  for (auto& [domain, d] : domains_) {
    std::vector<std::string> wanted;
    for (const auto& [ip, s] : by_messages(d)) {
      if (wanted.size() < kMaxPrintedSources || failing(*s)) wanted.push_back(ip);
    }
    for (const auto& ip : wanted) {
      if (asked >= kMaxReverseLookups || deadline.expired()) return;
      auto addr = IpAddress::parse(ip);
      if (!addr) continue;
      ++asked;
      DnsResult r = resolver.query(addr->ptr_name(), RrType::PTR, deadline);
      if (r.ok() && !r.records.empty()) d.sources[ip].name = r.records.front().text;
    }
  }
}

void DmarcReportReader::print_text(std::ostream& out) const {
  for (const auto& r : reports_) {
    out << "report " << printable(r.source) << ": " << printable(r.meta.domain) << " " << day(r.meta.begin)
        << ".." << day(r.meta.end) << " from " << printable(r.meta.org_name) << " <"
        << printable(r.meta.email) << "> (id " << printable(r.meta.report_id) << ", "
        << to_string(r.meta.format) << "): " << r.meta.messages << " messages in " << r.meta.records
        << " records\n";
  }
  for (const auto& e : errors_)
    out << "error " << printable(e.source) << ": " << printable(e.message) << "\n";
  for (const auto& [domain, d] : domains_) {
    out << "\ndomain " << printable(domain) << ": " << d.reports << " report(s), " << day(d.begin) << ".."
        << day(d.end) << ", " << d.messages
        << " messages, published p=" << printable(d.policy.empty() ? "?" : d.policy) << "\n";
    out << "  DMARC pass " << d.dmarc_pass << " (" << pct(d.dmarc_pass, d.messages) << "), DKIM aligned "
        << d.dkim_pass << ", SPF aligned " << d.spf_pass << "\n";
    size_t n = 0;
    std::vector<std::string> still_failing;
    for (const auto& [ip, s] : by_messages(d)) {
      if (failing(*s))
        still_failing.push_back(ip + " (" + std::to_string(s->messages - s->dmarc_pass) + " of " +
                                std::to_string(s->messages) + " failed)");
      if (n++ >= kMaxPrintedSources) continue;
      out << "  " << printable(ip) << " " << (s->name.empty() ? "-" : printable(s->name)) << ": "
          << s->messages << " messages, DMARC pass " << s->dmarc_pass << ", DKIM " << s->dkim_pass << ", SPF "
          << s->spf_pass;
      for (const auto& [k, v] : s->dispositions) out << ", " << k << " " << v;
      out << "\n";
    }
    if (n > kMaxPrintedSources)
      out << "  ... " << (n - kMaxPrintedSources) << " more sources (--json lists all)\n";
    if (still_failing.empty()) {
      out << "  p=quarantine: ready: every source passed DMARC in these reports\n";
    } else {
      out << "  p=quarantine: not yet: " << still_failing.size() << " source(s) still fail DMARC:";
      for (size_t i = 0; i < still_failing.size() && i < kMaxPrintedSources; ++i)
        out << " " << printable(still_failing[i]);
      out << "\n";
    }
  }
}

void DmarcReportReader::print_json(std::ostream& out) const {
  out << "{\"reports\":[";
  for (size_t i = 0; i < reports_.size(); ++i) {
    const auto& m = reports_[i].meta;
    out << (i ? "," : "") << "{\"file\":" << json(reports_[i].source) << ",\"format\":\""
        << to_string(m.format) << "\",\"org_name\":" << json(m.org_name) << ",\"email\":" << json(m.email)
        << ",\"report_id\":" << json(m.report_id) << ",\"begin\":" << m.begin << ",\"end\":" << m.end
        << ",\"domain\":" << json(m.domain) << ",\"p\":" << json(m.p) << ",\"records\":" << m.records
        << ",\"messages\":" << m.messages << "}";
  }
  out << "],\"errors\":[";
  for (size_t i = 0; i < errors_.size(); ++i)
    out << (i ? "," : "") << "{\"file\":" << json(errors_[i].source)
        << ",\"error\":" << json(errors_[i].message) << "}";
  out << "],\"domains\":[";
  bool first = true;
  for (const auto& [domain, d] : domains_) {
    out << (first ? "" : ",") << "{\"domain\":" << json(domain) << ",\"reports\":" << d.reports
        << ",\"begin\":" << d.begin << ",\"end\":" << d.end << ",\"p\":" << json(d.policy)
        << ",\"messages\":" << d.messages << ",\"dmarc_pass\":" << d.dmarc_pass
        << ",\"dkim_pass\":" << d.dkim_pass << ",\"spf_pass\":" << d.spf_pass << ",\"sources\":[";
    first = false;
    bool ready = true, first_source = true;
    for (const auto& [ip, s] : by_messages(d)) {
      if (failing(*s)) ready = false;
      out << (first_source ? "" : ",") << "{\"ip\":" << json(ip) << ",\"name\":" << json(s->name)
          << ",\"messages\":" << s->messages << ",\"dmarc_pass\":" << s->dmarc_pass
          << ",\"dkim_pass\":" << s->dkim_pass << ",\"spf_pass\":" << s->spf_pass << ",\"dispositions\":{";
      first_source = false;
      bool fk = true;
      for (const auto& [k, v] : s->dispositions) {
        out << (fk ? "" : ",") << json(k) << ":" << v;
        fk = false;
      }
      out << "}}";
    }
    out << "],\"ready_for_quarantine\":" << (ready ? "true" : "false") << "}";
  }
  out << "]}\n";
}

}  // namespace postern
