// Implements milter chains. Contract in chain.h.
#include "tools/milterclient/chain.h"

#include <algorithm>
#include <string>

#include "common/core/ascii.h"

namespace postern::mta {
namespace {

bool iequals(std::string_view a, std::string_view b) { return ascii_lower(a) == ascii_lower(b); }

// "<a@b>" and "a@b" alike, as the envelope keeps addresses without brackets.
std::string bare_address(std::string_view a) {
  while (!a.empty() && (a.front() == ' ' || a.front() == '\t')) a.remove_prefix(1);
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  return std::string(a);
}

std::string stored_value(const std::string& value, bool leading_space) {
  std::string v;
  v.reserve(value.size() + 1);
  if (!leading_space && (value.empty() || (value[0] != ' ' && value[0] != '\t'))) v.push_back(' ');
  for (char c : value) {
    // Line ends become LF; CRs just before one go with it (an MTA normalises them the same way).
    if (c == '\n') {
      while (!v.empty() && v.back() == '\r') v.pop_back();
    }
    v.push_back(c);
  }
  return v;
}

Result<void> check_field(const std::string& name, const std::string& value) {
  if (name.empty()) return Error::perm("a milter sent a header field without a name");
  if (name.size() + value.size() + 1 > kMaxHeaderFieldBytes) {
    return Error::perm("a milter sent a header field " + name + " longer than the limit");
  }
  return {};
}

}  // namespace

Result<void> apply_verdict(const Verdict& v, bool leading_space, Message& message, Envelope& envelope) {
  auto& hs = message.headers;
  for (const auto& m : v.modifications) {
    switch (m.type) {
      case ReplyType::add_header:
      case ReplyType::insert_header: {
        std::string value = stored_value(m.value, leading_space);
        if (auto ok = check_field(m.name, value); !ok) return ok;
        if (hs.size() >= kMaxHeaderFields)
          return Error::perm("a milter added more header fields than the limit");
        size_t at = m.type == ReplyType::add_header ? hs.size() : std::min<size_t>(m.index, hs.size());
        hs.insert(hs.begin() + static_cast<std::ptrdiff_t>(at), HeaderField{m.name, std::move(value)});
        break;
      }
      case ReplyType::change_header: {
        // index counts the fields of that name from 1 (0 is taken as 1, as the MTA does).
        uint32_t want = std::max<uint32_t>(m.index, 1), seen = 0;
        auto it = std::find_if(hs.begin(), hs.end(), [&](const HeaderField& h) {
          return iequals(h.name, m.name) && ++seen == want;
        });
        if (m.value.empty()) {
          if (it != hs.end()) hs.erase(it);
          break;
        }
        std::string value = stored_value(m.value, leading_space);
        if (auto ok = check_field(m.name, value); !ok) return ok;
        if (it != hs.end()) {
          it->value = std::move(value);
        } else {
          if (hs.size() >= kMaxHeaderFields)
            return Error::perm("a milter added more header fields than the limit");
          hs.push_back({m.name, std::move(value)});
        }
        break;
      }
      case ReplyType::replace_body:
        if (m.value.size() > kMaxMessageBytes)
          return Error::perm("a milter sent a body larger than the limit");
        message.body = m.value;
        break;
      case ReplyType::change_from:
        envelope.from = bare_address(m.value);
        break;
      case ReplyType::add_rcpt:
      case ReplyType::add_rcpt_par:
        envelope.rcpts.push_back(bare_address(m.value));
        break;
      case ReplyType::del_rcpt: {
        std::string gone = bare_address(m.value);
        std::erase_if(envelope.rcpts, [&](const std::string& r) { return iequals(r, gone); });
        break;
      }
      default:
        break;
    }
  }
  return {};
}

Result<std::unique_ptr<Chain>> Chain::open(const std::vector<ClientOptions>& options) {
  if (options.empty() || options.size() > kMaxChainMilters) {
    return Error::perm("a chain has 1 to " + std::to_string(kMaxChainMilters) + " milters");
  }
  auto chain = std::unique_ptr<Chain>(new Chain());
  for (size_t i = 0; i < options.size(); ++i) {
    auto c = Connection::open(options[i]);
    if (!c) {
      chain->quit();
      if (options.size() == 1) return c.error();
      return Error{c.error().kind, "milter " + std::to_string(i + 1) + ": " + c.error().message};
    }
    chain->conns_.push_back(std::move(*c));
  }
  return chain;
}

Result<Verdict> Chain::run(const Envelope& envelope, const Message& message) {
  if (conns_.size() == 1) return conns_[0]->run(envelope, message);
  Verdict all;
  Message msg = message;
  Envelope env = envelope;
  for (size_t i = 0; i < conns_.size(); ++i) {
    auto name = [&](const Error& e) {
      return Error{e.kind, "milter " + std::to_string(i + 1) + ": " + e.message};
    };
    auto v = conns_[i]->run(env, msg);
    if (!v) return name(v.error());
    all.modifications.insert(all.modifications.end(), v->modifications.begin(), v->modifications.end());
    all.rejected_rcpts.insert(all.rejected_rcpts.end(), v->rejected_rcpts.begin(), v->rejected_rcpts.end());
    if (v->quarantined && !all.quarantined) {
      all.quarantined = true;
      all.quarantine_reason = v->quarantine_reason;
    }
    if (v->action != Action::accept) {
      all.action = v->action;
      all.reply = v->reply;
      all.stage = v->stage;
      return all;
    }
    all.stage = v->stage;
    if (i + 1 < conns_.size()) {
      bool lead = (conns_[i]->negotiated().protocol & proto::header_leading_space) != 0;
      if (auto ok = apply_verdict(*v, lead, msg, env); !ok) return name(ok.error());
    }
  }
  return all;
}

bool Chain::reusable() const {
  return std::all_of(conns_.begin(), conns_.end(), [](const auto& c) { return c->reusable(); });
}

void Chain::quit() {
  for (auto& c : conns_) c->quit();
}

}  // namespace postern::mta
