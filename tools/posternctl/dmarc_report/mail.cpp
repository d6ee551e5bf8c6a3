// Implements compose_report_mail. Contract in mail.h.
#include "tools/posternctl/dmarc_report/mail.h"

#include <ctime>

namespace postern {

std::string base64_lines(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t column = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
    column += 4;
    if (column == 76) {
      out += '\n';
      column = 0;
    }
  }
  if (column > 0) out += '\n';
  return out;
}

std::string compose_report_mail(const BuiltReport& r, std::string_view from, std::string_view to,
                                int64_t now) {
  time_t t = static_cast<time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[64];
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  const std::string boundary = "=_postern_" + r.meta.report_id;
  std::string m;
  m += "From: " + std::string(from) + "\n";
  m += "To: " + std::string(to) + "\n";
  m += "Subject: " + r.subject + "\n";
  m += std::string("Date: ") + date + "\n";
  m += "Message-ID: <" + r.meta.report_id + "@" + r.receiver + ">\n";
  m += "Auto-Submitted: auto-generated\n";
  m += "MIME-Version: 1.0\n";
  m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n\n";
  m += "This is a MIME message with a DMARC aggregate report.\n\n";
  m += "--" + boundary + "\n";
  m += "Content-Type: text/plain; charset=us-ascii\n\n";
  m += "DMARC aggregate report (RFC 9990) for " + r.aggregate.policy.domain + ", " +
       format_report_day(r.meta.begin) + " (UTC), from " + r.receiver + ": " +
       std::to_string(r.aggregate.messages) + " message(s) in " + std::to_string(r.aggregate.rows.size()) +
       " record(s).\nReport-ID: " + r.meta.report_id + "\n\n";
  m += "--" + boundary + "\n";
  m += "Content-Type: application/gzip; name=\"" + r.file_name + "\"\n";
  m += "Content-Disposition: attachment; filename=\"" + r.file_name + "\"\n";
  m += "Content-Transfer-Encoding: base64\n\n";
  m += base64_lines(r.gz);
  m += "\n--" + boundary + "--\n";
  return m;
}

}  // namespace postern
