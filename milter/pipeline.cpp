// Implements MessagePipeline. Contract in pipeline.h.
#include "milter/pipeline.h"

#include <strings.h>

#include <algorithm>

#include "common/authres/builder.h"
#include "common/authres/claim.h"
#include "common/core/ascii.h"
#include "common/mail/address.h"
#include "common/sender/enforce.h"

namespace postern {

struct MessagePipeline::Message {
  std::string queue_id, login, envelope_from;
  std::vector<std::pair<std::string, std::string>> headers;  // kept for replay to DKIM sessions
  size_t header_bytes = 0;
  bool headers_overflow = false;
  std::vector<std::string> from, sender;
  size_t sender_field_bytes = 0;
  int ar_count = 0;
  std::vector<int> forged_ar;  // 1-based indexes among Authentication-Results fields
  std::string warning;         // soft mode: what would have been rejected
  std::unique_ptr<DkimVerifySession> verify;
  std::unique_ptr<DkimSignSession> sign;
  std::vector<DkimSignPlan> plans;
  std::string dkim_note;  // why DKIM did not run, for the log
  std::optional<SpfVerdict> spf;
  // All DNS work of the message (SPF, DKIM keys, DMARC), from MAIL FROM to end of message.
  Deadline deadline{std::chrono::steady_clock::now()};
  bool deadline_logged = false;
};

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Splits "5.7.1 text" into xcode and text; without an enhanced code, xcode is def.
std::pair<std::string, std::string> split_reply(const std::string& reply, const std::string& def) {
  size_t sp = reply.find(' ');
  if (sp != std::string::npos && sp >= 5 && reply[1] == '.' && (reply[0] == '4' || reply[0] == '5'))
    return {reply.substr(0, sp), reply.substr(sp + 1)};
  return {def, reply};
}

std::string domain_of(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? std::string() : ascii_lower(address.substr(at + 1));
}

}  // namespace

void MessagePipeline::connect(std::string client_addr, std::string client_name) {
  client_ = std::move(client_addr);
  client_name_ = std::move(client_name);
  client_ip_.reset();
  if (auto ip = IpAddress::parse(client_)) client_ip_ = ip->unmapped();
}

void MessagePipeline::reset() { msg_.reset(); }

bool MessagePipeline::outbound() const {
  if (msg_ && !msg_->login.empty()) return true;
  if (!client_ip_) return false;
  return std::any_of(app_.internal_networks.begin(), app_.internal_networks.end(),
                     [&](const IpNetwork& n) { return n.contains(*client_ip_); });
}

Verdict MessagePipeline::refuse(const Verdict& v, const std::string& reason, const char* stage) {
  bool soft = app_.config.sender.mode == "soft";
  if (app_.guard && msg_) (void)app_.guard->record(GuardSignal::sender_refused, msg_->login, reason);
  LogLine(*app_.log, LogLevel::notice, "sender")
      .kv("queue_id", msg_ ? msg_->queue_id : "")
      .kv("client", client_)
      .kv("login", msg_ ? msg_->login : "")
      .kv("stage", stage)
      .kv("action", soft ? "warn" : "reject")
      .kv("reason", reason);
  if (soft) {
    if (msg_ && msg_->warning.empty()) msg_->warning = v.text;
    return {};
  }
  return v;
}

void MessagePipeline::note_deadline(const char* stage) {
  if (!msg_ || msg_->deadline_logged || !msg_->deadline.expired()) return;
  msg_->deadline_logged = true;
  LogLine(*app_.log, LogLevel::warning, "dns_deadline")
      .kv("queue_id", msg_->queue_id)
      .kv("client", client_)
      .kv("stage", stage)
      .kv("message_timeout_ms", app_.config.milter.message_timeout.count())
      .kv("effect", "DNS lookups not answered by then are temperror");
}

Verdict MessagePipeline::mail_from(std::string envelope_from, std::string login, std::string queue_id) {
  msg_ = std::make_shared<Message>();
  msg_->envelope_from = std::move(envelope_from);
  msg_->login = std::move(login);
  msg_->queue_id = std::move(queue_id);
  msg_->deadline = Deadline::after(app_.config.milter.message_timeout);
  if (app_.spf && client_ip_ && !outbound()) {
    msg_->spf = app_.spf->check_mail_from(*client_ip_, msg_->envelope_from, helo_, msg_->deadline,
                                          app_.clock.unix_seconds());
    note_deadline("spf");
    const SpfVerdict& v = *msg_->spf;
    if (v.result == SpfResult::fail && app_.config.spf.fail_action == "reject") {
      LogLine(*app_.log, LogLevel::notice, "spf")
          .kv("queue_id", msg_->queue_id)
          .kv("client", client_)
          .kv("sender", v.sender)
          .kv("result", "fail")
          .kv("action", "reject")
          .kv("reason", v.reason);
      std::string text = "SPF: " + v.domain + " does not allow " + client_ + " to send its mail";
      if (!v.explanation.empty()) text += ": " + v.explanation.substr(0, 200);
      return Verdict::reject("550", "5.7.23", text);
    }
  }
  if (msg_->login.empty() || !app_.owners) return {};
  auto map = app_.owners->current();
  SenderVerdict v = check_envelope_sender(*map, app_.config.sender, msg_->login, msg_->envelope_from);
  if (!v.allowed) return refuse(Verdict::reject(v.rcode, v.xcode, v.text), v.reason, "mail_from");
  return {};
}

Verdict MessagePipeline::header(std::string_view name, std::string_view value) {
  if (!msg_) return {};
  Message& m = *msg_;
  if (!m.headers_overflow) {
    m.header_bytes += name.size() + value.size() + 3;
    if (m.header_bytes > kMaxStoredHeaderBytes || m.headers.size() >= kMaxDkimHeaderFields) {
      m.headers_overflow = true;
      m.headers.clear();
      m.headers.shrink_to_fit();
    } else {
      m.headers.emplace_back(name, value);
    }
  }
  if (iequals(name, "Authentication-Results")) {
    ++m.ar_count;
    if (authres::claims_authserv_id(value, app_.authserv_id)) m.forged_ar.push_back(m.ar_count);
    return {};
  }
  bool is_from = iequals(name, "From"), is_sender = iequals(name, "Sender");
  if (!is_from && !is_sender) return {};
  m.sender_field_bytes += value.size();
  auto& list = is_from ? m.from : m.sender;
  if (list.size() >= kMaxSenderFields || m.sender_field_bytes > kMaxAddressHeader * 2) {
    if (m.login.empty()) return {};  // inbound: DMARC judges the From: fields
    return refuse(Verdict::reject("550", "5.7.1", "Too many or too long From/Sender headers"),
                  "header limits", "header");
  }
  list.emplace_back(value);
  return {};
}

Verdict MessagePipeline::end_of_headers() {
  if (!msg_) return {};
  if (!msg_->login.empty() && app_.owners) {
    auto map = app_.owners->current();
    SenderVerdict v = check_header_senders(*map, msg_->login, msg_->from, msg_->sender);
    if (!v.allowed) {
      Verdict r = refuse(Verdict::reject(v.rcode, v.xcode, v.text), v.reason, "headers");
      if (r.kind != Verdict::Kind::cont) return r;
    }
  }
  start_dkim();
  return {};
}

void MessagePipeline::start_dkim() {
  Message& m = *msg_;
  if (!app_.dkim) return;
  if (m.headers_overflow) {
    m.dkim_note = "headers too large for DKIM";
    return;
  }
  if (outbound()) {
    if (!app_.signing || !app_.config.dkim.sign) return;
    if (!m.warning.empty()) {
      m.dkim_note = "not signed: sender ownership warning";
      return;
    }
    if (!m.login.empty() && !app_.owners) {
      m.dkim_note = "not signed: [sender] is disabled, so the login's right to the From: address is unknown";
      return;
    }
    if (m.from.size() != 1) {
      m.dkim_note = "not signed: not exactly one From: field";
      return;
    }
    auto addrs = parse_address_list(m.from.front());
    if (!addrs || addrs->size() != 1) {
      m.dkim_note = "not signed: From: is not one address";
      return;
    }
    const MailAddress& author = (*addrs)[0];
    m.plans = app_.signing->plans_for(author.local_part + "@" + author.ascii_domain());
    if (m.plans.empty()) {
      m.dkim_note = "not signed: no key for the From: address";
      return;
    }
    auto s = app_.dkim->sign(m.plans, m.queue_id);
    if (!s) {
      m.dkim_note = "not signed: " + s.error().message;
      return;
    }
    m.sign = std::move(*s);
    for (const auto& [n, v] : m.headers) m.sign->add_header(n, v);
    return;
  }
  if (!app_.config.dkim.verify) return;
  auto v = app_.dkim->verify(m.queue_id, m.deadline);
  if (!v) {
    m.dkim_note = "not verified: " + v.error().message;
    return;
  }
  m.verify = std::move(*v);
  for (const auto& [n, val] : m.headers) m.verify->add_header(n, val);
}

void MessagePipeline::body(std::string_view chunk) {
  if (!msg_) return;
  if (msg_->verify) msg_->verify->add_body(chunk);
  if (msg_->sign) msg_->sign->add_body(chunk);
}

std::string MessagePipeline::local_domain_claim(const DmarcInput& in) const {
  if (app_.local_domains.empty() || !msg_ || msg_->from.size() != 1) return "";
  if (client_ip_ && std::any_of(app_.trusted_forwarders.begin(), app_.trusted_forwarders.end(),
                                [&](const IpNetwork& n) { return n.contains(*client_ip_); }))
    return "";
  auto addrs = parse_address_list(msg_->from.front());
  if (!addrs || addrs->size() != 1) return "";  // DMARC's author rule judges these
  std::string domain = (*addrs)[0].ascii_domain();
  if (std::find(app_.local_domains.begin(), app_.local_domains.end(), domain) == app_.local_domains.end())
    return "";
  for (const auto& d : in.dkim) {
    if (d.result == "pass" && ascii_lower(d.domain) == domain) return "";
  }
  return domain;
}

EomResult MessagePipeline::end_of_message(const std::string& queue_id) {
  EomResult out;
  if (!msg_) return out;
  Message& m = *msg_;
  if (!queue_id.empty()) m.queue_id = queue_id;
  const bool out_dir = outbound();

  // Forged Authentication-Results claiming our id: removed from the last to the first, so each
  // index still names the field it named when the headers arrived.
  for (auto it = m.forged_ar.rbegin(); it != m.forged_ar.rend(); ++it)
    out.edits.push_back({HeaderEdit::Op::remove, "Authentication-Results", "", *it});

  LogLine line(*app_.log, LogLevel::info, "message");
  line.kv("queue_id", m.queue_id).kv("client", client_).kv("direction", out_dir ? "outbound" : "inbound");
  if (!m.login.empty()) line.kv("login", m.login);
  if (!m.forged_ar.empty()) line.kv("forged_ar_removed", m.forged_ar.size());

  if (out_dir) {
    if (m.sign) {
      auto sigs = m.sign->finish();
      if (sigs) {
        // Inserted at the top, the first plan's signature ending up first.
        for (auto it = sigs->rbegin(); it != sigs->rend(); ++it)
          out.edits.push_back({HeaderEdit::Op::insert, "DKIM-Signature", *it, 0});
        std::string signed_by;
        for (const auto& p : m.plans)
          signed_by += (signed_by.empty() ? "" : ",") + p.domain + "/" + p.selector;
        line.kv("dkim", "signed").kv("dkim_keys", signed_by);
      } else {
        line.kv("dkim", "sign_failed").kv("dkim_error", sigs.error().message);
      }
    } else if (!m.dkim_note.empty()) {
      line.kv("dkim", m.dkim_note);
    }
  } else {
    std::vector<authres::MethodResult> results;
    DmarcInput din;
    din.from_headers = m.from;
    din.client_ip = client_ip_;
    din.spf_domain = domain_of(m.envelope_from);
    din.spf_result = "none";
    if (m.spf) {
      const SpfVerdict& v = *m.spf;
      din.spf_domain = v.domain;
      din.spf_result = to_string(v.result);
      authres::MethodResult r{"spf", to_string(v.result), v.reason, {}};
      if (v.sender.rfind("postmaster@", 0) == 0 && domain_of(m.envelope_from).empty())
        r.properties.emplace_back("smtp.helo", helo_);
      else
        r.properties.emplace_back("smtp.mailfrom", v.sender);
      results.push_back(std::move(r));
      line.kv("spf", to_string(v.result)).kv("spf_domain", v.domain);
      if (app_.config.spf.received_spf_header) {
        std::string rs = std::string(to_string(v.result)) + " (" + app_.authserv_id + ": " + v.reason +
                         ") client-ip=" + client_ + "; envelope-from=\"" + v.sender +
                         "\"; helo=" + (helo_.empty() ? "unknown" : helo_) + "; identity=" + v.identity +
                         "; receiver=" + app_.authserv_id + ";";
        std::string clean;
        for (char ch : rs) clean += (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ? ' ' : ch;
        out.edits.push_back({HeaderEdit::Op::insert, "Received-SPF", clean.substr(0, 900), 0});
      }
    }
    if (m.verify) {
      DkimVerification v = m.verify->finish();
      note_deadline("dkim");
      if (v.signatures.empty()) results.push_back({"dkim", "none", "", {}});
      for (const auto& s : v.signatures) {
        authres::MethodResult r{"dkim", to_string(s.result), s.reason, {}};
        r.properties.emplace_back("header.d", s.domain);
        if (!s.identity.empty()) r.properties.emplace_back("header.i", s.identity);
        r.properties.emplace_back("header.s", s.selector);
        r.properties.emplace_back("header.a", s.algorithm);
        if (!s.b.empty()) r.properties.emplace_back("header.b", s.b);
        results.push_back(std::move(r));
        din.dkim.push_back({s.domain, to_string(s.result)});
      }
      line.kv("dkim", to_string(v.overall)).kv("dkim_signatures", v.signatures.size());
    } else if (!m.dkim_note.empty()) {
      line.kv("dkim", m.dkim_note);
    }
    if (auto spoof = local_domain_claim(din);
        !spoof.empty() && app_.config.sender.outside_action != "accept") {
      line.kv("local_domain_claim", spoof).kv("local_domain_action", app_.config.sender.outside_action);
      if (app_.config.sender.outside_action == "reject") {
        out.verdict = Verdict::reject(
            "550", "5.7.1",
            "Mail from " + spoof + " must come through its own mail servers or carry its DKIM signature");
      } else {
        out.edits.push_back({HeaderEdit::Op::add, "X-Postern-Local-Domain-Warning",
                             "From: claims our domain " + spoof + " without its DKIM signature", 0});
      }
    }
    if (app_.dmarc && out.verdict.kind == Verdict::Kind::cont) {
      DmarcVerdict dv = app_.dmarc->evaluate(din, m.deadline);
      note_deadline("dmarc");
      DmarcDecision dd = decide_dmarc_action(dv, app_.config.dmarc);
      results.push_back(dv.authres());
      line.kv("dmarc", to_string(dv.result))
          .kv("dmarc_domain", dv.author_domain)
          .kv("dmarc_action", to_string(dd.action))
          .kv("dmarc_reason", dv.reason);
      // A tempfailed message comes again: it is reported when it is finally decided.
      if (app_.dmarc_log && dd.action != DmarcAction::tempfail) {
        if (auto r = app_.dmarc_log->append(din, dv, dd.disposition); !r) {
          LogLine(*app_.log, LogLevel::error, "dmarc_report_log")
              .kv("file", app_.dmarc_log->path())
              .kv("error", r.error().message);
        }
      }
      switch (dd.action) {
        case DmarcAction::reject: {
          auto [x, text] = split_reply(dd.reply, "5.7.1");
          out.verdict = Verdict::reject("550", x, text);
          break;
        }
        case DmarcAction::tempfail: {
          auto [x, text] = split_reply(dd.reply, "4.7.5");
          out.verdict = {Verdict::Kind::tempfail, "451", x, text};
          break;
        }
        case DmarcAction::hold:
          out.quarantine = "DMARC policy of " + dv.author_domain + ": " + dv.reason;
          break;
        case DmarcAction::header:
          out.edits.push_back({HeaderEdit::Op::add, "X-Postern-DMARC", "quarantine", 0});
          break;
        case DmarcAction::accept:
          break;
      }
    }
    out.edits.push_back({HeaderEdit::Op::insert, "Authentication-Results",
                         authres::build_value(app_.authserv_id, results), 0});
  }
  if (!m.warning.empty())
    out.edits.push_back({HeaderEdit::Op::add, "X-Postern-Sender-Warning", m.warning, 0});
  if (!m.login.empty()) line.kv("sender_check", m.warning.empty() ? "pass" : "warn");
  line.kv("action", out.verdict.kind == Verdict::Kind::reject     ? "reject"
                    : out.verdict.kind == Verdict::Kind::tempfail ? "tempfail"
                    : out.quarantine.empty()                      ? "accept"
                                                                  : "hold");
  msg_.reset();
  return out;
}

}  // namespace postern
