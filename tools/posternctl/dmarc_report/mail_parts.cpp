// Implements report_attachments. Contract in mail_parts.h.
#include "tools/posternctl/dmarc_report/mail_parts.h"

#include "common/core/ascii.h"

namespace postern {
namespace {

struct Part {
  std::string content_type;  // lower-case type/subtype
  std::string boundary, name, encoding;
  std::string_view body;
};

// The value of parameter key in a header value (lower-case key), quoted or not.
std::string param(std::string_view value, std::string_view key) {
  std::string lower = ascii_lower(value);
  size_t pos = 0;
  while ((pos = lower.find(key, pos)) != std::string::npos) {
    bool starts = pos == 0 || lower[pos - 1] == ';' || lower[pos - 1] == ' ' || lower[pos - 1] == '\t';
    size_t eq = pos + key.size();
    while (eq < lower.size() && (lower[eq] == ' ' || lower[eq] == '\t')) ++eq;
    if (!starts || eq >= lower.size() || lower[eq] != '=') {
      pos += key.size();
      continue;
    }
    size_t v = eq + 1;
    while (v < value.size() && (value[v] == ' ' || value[v] == '\t')) ++v;
    if (v < value.size() && value[v] == '"') {
      size_t end = value.find('"', v + 1);
      return std::string(value.substr(v + 1, (end == std::string::npos ? value.size() : end) - v - 1));
    }
    size_t end = value.find_first_of("; \t", v);
    return std::string(value.substr(v, (end == std::string::npos ? value.size() : end) - v));
  }
  return "";
}

Part parse_part(std::string_view text) {
  Part p;
  size_t end = text.find("\n\n");
  size_t crlf = text.find("\r\n\r\n");
  size_t body_at;
  if (crlf != std::string_view::npos && (end == std::string_view::npos || crlf < end)) {
    end = crlf;
    body_at = crlf + 4;
  } else if (end != std::string_view::npos) {
    body_at = end + 2;
  } else {
    end = text.size();
    body_at = text.size();
  }
  p.body = text.substr(body_at);
  // Unfold, then read the fields we need.
  std::string headers;
  for (size_t i = 0; i < end; ++i) {
    char c = text[i];
    if (c == '\r') continue;
    if (c == '\n' && i + 1 < end && (text[i + 1] == ' ' || text[i + 1] == '\t')) continue;
    headers += c;
  }
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t nl = headers.find('\n', pos);
    if (nl == std::string::npos) nl = headers.size();
    std::string_view line(headers.data() + pos, nl - pos);
    pos = nl + 1;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = ascii_lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    if (name == "content-type") {
      size_t semi = value.find(';');
      std::string type(value.substr(0, semi));
      size_t a = type.find_first_not_of(" \t"), b = type.find_last_not_of(" \t");
      p.content_type = a == std::string::npos ? "" : ascii_lower(type.substr(a, b - a + 1));
      p.boundary = param(value, "boundary");
      if (p.name.empty()) p.name = param(value, "name");
    } else if (name == "content-disposition") {
      std::string f = param(value, "filename");
      if (!f.empty()) p.name = f;
    } else if (name == "content-transfer-encoding") {
      std::string e(value);
      size_t a = e.find_first_not_of(" \t"), b = e.find_last_not_of(" \t");
      p.encoding = a == std::string::npos ? "" : ascii_lower(e.substr(a, b - a + 1));
    }
  }
  return p;
}

bool is_report_part(const Part& p) {
  static const char* kTypes[] = {"application/gzip", "application/x-gzip",
                                 "application/zip",  "application/x-zip-compressed",
                                 "text/xml",         "application/xml"};
  for (const char* t : kTypes) {
    if (p.content_type == t) return true;
  }
  std::string n = ascii_lower(p.name);
  return n.ends_with(".xml") || n.ends_with(".gz") || n.ends_with(".zip");
}

Result<std::string> decode(const Part& p, size_t max_part) {
  if (p.encoding == "base64") {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : p.body) {
      int v;
      if (c >= 'A' && c <= 'Z')
        v = c - 'A';
      else if (c >= 'a' && c <= 'z')
        v = c - 'a' + 26;
      else if (c >= '0' && c <= '9')
        v = c - '0' + 52;
      else if (c == '+')
        v = 62;
      else if (c == '/')
        v = 63;
      else if (c == '=')
        break;
      else
        continue;
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += static_cast<char>((acc >> bits) & 0xff);
        if (out.size() > max_part)
          return Error::perm("attachment larger than " + std::to_string(max_part) + " bytes");
      }
    }
    return out;
  }
  if (p.encoding.empty() || p.encoding == "7bit" || p.encoding == "8bit" || p.encoding == "binary") {
    if (p.body.size() > max_part)
      return Error::perm("attachment larger than " + std::to_string(max_part) + " bytes");
    return std::string(p.body);
  }
  return Error::perm("attachment in transfer encoding \"" + p.encoding.substr(0, 32) + "\" is not read");
}

Result<void> walk(std::string_view text, size_t depth, size_t max_part, size_t& parts,
                  std::vector<MailAttachment>& out) {
  if (++parts > kMaxMailParts)
    return Error::perm("more than " + std::to_string(kMaxMailParts) + " MIME parts");
  Part p = parse_part(text);
  if (p.content_type.rfind("multipart/", 0) == 0 && !p.boundary.empty()) {
    if (depth >= kMaxMailPartDepth)
      return Error::perm("MIME parts nested deeper than " + std::to_string(kMaxMailPartDepth));
    const std::string delim = "--" + p.boundary;
    std::string_view body = p.body;
    size_t pos = body.find(delim);
    while (pos != std::string_view::npos) {
      size_t start = body.find('\n', pos);
      if (start == std::string_view::npos) break;
      if (body.substr(pos + delim.size(), 2) == "--") break;  // the closing delimiter
      ++start;
      size_t next = body.find("\n" + delim, start);
      size_t stop = next == std::string_view::npos ? body.size() : next;
      std::string_view inner = body.substr(start, stop - start);
      if (!inner.empty() && inner.back() == '\r') inner.remove_suffix(1);
      if (auto w = walk(inner, depth + 1, max_part, parts, out); !w) return w;
      if (next == std::string_view::npos) break;
      pos = next + 1;
    }
    return ok();
  }
  if (!is_report_part(p)) return ok();
  auto bytes = decode(p, max_part);
  if (!bytes) return bytes.error();
  out.push_back({p.name, std::move(*bytes)});
  return ok();
}

}  // namespace

Result<std::vector<MailAttachment>> report_attachments(std::string_view mail, size_t max_part) {
  std::vector<MailAttachment> out;
  size_t parts = 0;
  if (auto w = walk(mail, 0, max_part, parts, out); !w) return w.error();
  return out;
}

}  // namespace postern
