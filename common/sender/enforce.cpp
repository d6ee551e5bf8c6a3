// Implements the sender-ownership verdicts. Contract in enforce.h.
#include "common/sender/enforce.h"

#include "common/mail/address.h"

namespace postern {
namespace {

SenderVerdict deny(const char* rcode, std::string text, std::string reason) {
  return {false, rcode, "5.7.1", std::move(text), std::move(reason)};
}

// Printable ASCII only, for reply texts that echo an address.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  return out;
}

// The address as the reply names it: the domain in A-label form when it has one, so a look-alike
// shows its difference ("xn--...") instead of question marks.
std::string shown(const MailAddress& a) {
  std::string d = a.ascii_domain();
  return printable(a.local_part + "@" + (d.empty() ? a.domain : d));
}

}  // namespace

SenderVerdict check_envelope_sender(const OwnershipMap& map, const SenderConfig& config,
                                    const std::string& login, const std::string& envelope_from) {
  auto addr = parse_envelope_address(envelope_from);
  if (!addr)
    return deny("553", "Sender address is not valid", "unparsable envelope sender: " + addr.error().message);
  if (addr->local_part.empty()) {
    if (config.null_sender == NullSender::allow) return {true, "", "", "", "null sender allowed"};
    return deny("553", "The null sender is not allowed for authenticated users", "null sender");
  }
  std::string domain = addr->ascii_domain();
  if (domain.empty()) {
    return deny("553", "Sender address <" + shown(*addr) + "> is not owned by user " + printable(login),
                "domain is no valid IDNA2008 name");
  }
  auto d = map.check(login, addr->local_part, domain);
  if (!d.allowed) {
    return deny("553", "Sender address <" + shown(*addr) + "> is not owned by user " + printable(login),
                d.reason);
  }
  return {true, "", "", "", d.reason};
}

SenderVerdict check_header_senders(const OwnershipMap& map, const std::string& login, const FromHeader& from,
                                   const std::vector<std::string>& sender_values) {
  if (from.fields != 1) {
    return deny("550", "Exactly one From header is required",
                std::to_string(from.fields) + " From header fields");
  }
  if (sender_values.size() > 1)
    return deny("550", "At most one Sender header is allowed", "several Sender fields");
  auto check_field = [&](const char* field, const Result<std::vector<MailAddress>>& list) -> SenderVerdict {
    if (!list) {
      return deny("550", std::string("The ") + field + " header cannot be read unambiguously",
                  std::string(field) + ": " + list.error().message);
    }
    if (list->empty())
      return deny("550", std::string("The ") + field + " header has no address", "empty field");
    for (const auto& a : *list) {
      std::string domain = a.ascii_domain();
      auto d = domain.empty() ? OwnershipDecision{false, "domain is no valid IDNA2008 name"}
                              : map.check(login, a.local_part, domain);
      if (!d.allowed) {
        return deny(
            "550",
            std::string(field) + " address <" + shown(a) + "> is not owned by user " + printable(login),
            std::string(field) + " " + a.str() + ": " + d.reason);
      }
    }
    return {true, "", "", "", ""};
  };
  if (auto v = check_field("From", from.addresses); !v.allowed) return v;
  if (!sender_values.empty()) {
    if (auto v = check_field("Sender", parse_address_list(sender_values.front())); !v.allowed) return v;
  }
  return {true, "", "", "", "header senders owned"};
}

SenderVerdict check_header_senders(const OwnershipMap& map, const std::string& login,
                                   const std::vector<std::string>& from_values,
                                   const std::vector<std::string>& sender_values) {
  return check_header_senders(map, login, parse_from_header(from_values), sender_values);
}

}  // namespace postern
