// Implements the DMARC report log. Contract in report_log.h.
#include "common/dmarc/report_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/core/ascii.h"

namespace postern {
namespace {

void json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (s.size() > kMaxReportValueBytes) s = s.substr(0, kMaxReportValueBytes);
  out += '"';
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

void field(std::string& out, std::string_view key, std::string_view value) {
  if (out.size() > 1) out += ',';
  json_string(out, key);
  out += ':';
  json_string(out, value);
}

const DmarcAlignmentCheck* find_check(const DmarcVerdict& v, std::string_view method,
                                      std::string_view domain) {
  for (const auto& c : v.alignment) {
    if (c.method == method && c.domain == domain) return &c;
  }
  return nullptr;
}

void key(std::string& out, std::string_view k) {
  out += ',';
  json_string(out, k);
  out += ':';
}

}  // namespace

const char* to_string(DmarcSpfScope s) { return s == DmarcSpfScope::helo ? "helo" : "mfrom"; }

std::string format_dmarc_report_line(int64_t unix_time, const DmarcInput& in, const DmarcVerdict& v,
                                     std::string_view disposition, const DmarcReportFacts& facts) {
  std::string out = "{\"time\":" + std::to_string(unix_time);
  field(out, "ip", in.client_ip ? in.client_ip->str() : "");
  field(out, "header_from", v.author_domain);
  field(out, "dmarc", to_string(v.result));
  field(out, "policy_domain", v.policy_domain);
  field(out, "org_domain", v.org_domain);
  if (v.record) {
    field(out, "p", to_string(v.record->p));
    field(out, "sp", v.record->sp ? to_string(*v.record->sp) : "");
    field(out, "np", v.record->np ? to_string(*v.record->np) : "");
    field(out, "adkim", to_string(v.record->adkim));
    field(out, "aspf", to_string(v.record->aspf));
    field(out, "testing", v.record->testing ? "y" : "n");
    field(out, "fo", v.record->fo);
    key(out, "rua");
    out += '[';
    for (size_t i = 0; i < v.record->rua.size() && i < kMaxReportUris; ++i) {
      if (i > 0) out += ',';
      json_string(out, v.record->rua[i]);
    }
    out += ']';
  }
  field(out, "policy_tag", v.record ? to_string(v.policy_tag) : "");
  field(out, "policy", v.record ? to_string(v.evaluated_policy()) : "");
  field(out, "applied", to_string(v.applied));
  field(out, "override", to_string(v.override_reason));
  field(out, "disposition", disposition);
  field(out, "envelope_from", ascii_lower(facts.envelope_from));
  key(out, "envelope_to");
  out += '[';
  for (size_t i = 0; i < facts.envelope_to.size() && i < kMaxReportRcptDomains; ++i) {
    if (i > 0) out += ',';
    json_string(out, ascii_lower(facts.envelope_to[i]));
  }
  out += ']';
  std::string spf_domain = ascii_lower(in.spf_domain);
  const DmarcAlignmentCheck* spf = find_check(v, "spf", spf_domain);
  out += ",\"spf\":{";
  json_string(out, "domain");
  out += ':';
  json_string(out, spf_domain);
  key(out, "scope");
  json_string(out, to_string(facts.spf_scope));
  out += ',';
  json_string(out, "result");
  out += ':';
  json_string(out, in.spf_result ? to_string(*in.spf_result) : "");
  out += ",\"aligned\":";
  out += spf && spf->aligned ? "true" : "false";
  out += "},\"dkim\":[";
  size_t n = 0;
  for (const auto& d : in.dkim) {
    if (n == kMaxDkimChecks) break;
    if (n++ > 0) out += ',';
    std::string domain = ascii_lower(d.domain);
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    const DmarcAlignmentCheck* c = find_check(v, "dkim", domain);
    out += '{';
    json_string(out, "domain");
    out += ':';
    json_string(out, domain);
    key(out, "selector");
    json_string(out, n - 1 < facts.dkim_selectors.size() ? facts.dkim_selectors[n - 1] : "");
    out += ',';
    json_string(out, "result");
    out += ':';
    json_string(out, to_string(d.result));
    out += ",\"aligned\":";
    out += c && c->aligned ? "true" : "false";
    out += '}';
  }
  out += "],";
  json_string(out, "reason");
  out += ':';
  json_string(out, v.reason);
  out += "}\n";
  return out;
}

Result<void> DmarcReportLog::append(const DmarcInput& in, const DmarcVerdict& v, std::string_view disposition,
                                    const DmarcReportFacts& facts) const {
  std::string line = format_dmarc_report_line(clock_.unix_seconds(), in, v, disposition, facts);
  // O_NONBLOCK: a FIFO without a reader fails at once instead of blocking the worker; anything
  // but a regular file is refused.
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0640);
  if (fd < 0) return Error::temp("open " + path_ + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::perm(path_ + ": not a regular file");
  }
  ssize_t w = ::write(fd, line.data(), line.size());
  int err = errno;
  ::close(fd);
  if (w < 0) return Error::temp("write " + path_ + ": " + std::strerror(err));
  if (static_cast<size_t>(w) != line.size()) return Error::temp("short write to " + path_);
  return ok();
}

}  // namespace postern
