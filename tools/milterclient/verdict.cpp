// Implements the verdict's text form. Contract in verdict.h.
#include "tools/milterclient/verdict.h"

namespace postern::mta {
namespace {

std::string header_text(const std::string& name, const std::string& value) {
  // "Name: value": a single leading space of the value doubles as the separator.
  std::string v = escape_value(value);
  if (!v.empty() && v[0] == ' ') return escape_value(name) + ":" + v;
  return escape_value(name) + ": " + v;
}

std::string with_args(const std::string& addr, const std::string& args) {
  return args.empty() ? escape_value(addr) : escape_value(addr) + " " + escape_value(args);
}

}  // namespace

std::string escape_value(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string action_keyword(const Verdict& v) {
  switch (v.action) {
    case Action::accept:
      return v.quarantined ? "quarantine" : "accept";
    case Action::reject:
      return "reject";
    case Action::tempfail:
      return "tempfail";
    case Action::discard:
      return "discard";
  }
  return "accept";
}

std::vector<std::string> format_verdict(const Verdict& v) {
  std::vector<std::string> lines;
  std::string first = action_keyword(v);
  if ((v.action == Action::reject || v.action == Action::tempfail) && !v.reply.empty()) {
    first += " " + escape_value(v.reply);
  } else if (v.action == Action::accept && v.quarantined) {
    first += " " + escape_value(v.quarantine_reason);
  }
  lines.push_back(std::move(first));
  for (const auto& r : v.rejected_rcpts) lines.push_back("rcpt-reject " + escape_value(r));
  for (const auto& m : v.modifications) {
    switch (m.type) {
      case ReplyType::add_header:
        lines.push_back("add-header " + header_text(m.name, m.value));
        break;
      case ReplyType::insert_header:
        lines.push_back("insert-header " + std::to_string(m.index) + " " + header_text(m.name, m.value));
        break;
      case ReplyType::change_header:
        if (m.value.empty()) {
          lines.push_back("delete-header " + escape_value(m.name) + " " + std::to_string(m.index));
        } else {
          lines.push_back("change-header " + escape_value(m.name) + " " + std::to_string(m.index) + ":" +
                          (m.value[0] == ' ' ? "" : " ") + escape_value(m.value));
        }
        break;
      case ReplyType::add_rcpt:
      case ReplyType::add_rcpt_par:
        lines.push_back("add-rcpt " + with_args(m.value, m.args));
        break;
      case ReplyType::del_rcpt:
        lines.push_back("delete-rcpt " + escape_value(m.value));
        break;
      case ReplyType::change_from:
        lines.push_back("change-from " + with_args(m.value, m.args));
        break;
      case ReplyType::replace_body:
        lines.push_back("replace-body " + std::to_string(m.value.size()) + " bytes");
        break;
      default:
        break;
    }
  }
  return lines;
}

}  // namespace postern::mta
