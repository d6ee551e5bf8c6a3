// Implements MessagePipeline. Contract in pipeline.h.
#include "milter/pipeline.h"

#include <strings.h>

#include "common/authres/claim.h"
#include "common/mail/address.h"
#include "common/mail/from_header.h"
#include "common/message/message.h"
#include "common/sender/enforce.h"

namespace postern {

struct MessagePipeline::Message {
  MessageFacts facts;                                        // what decide_message judges
  std::vector<std::pair<std::string, std::string>> headers;  // kept for replay to DKIM sessions
  size_t header_bytes = 0;
  bool headers_overflow = false;
  std::vector<std::string> from, sender;  // raw values; From: parsed once into facts.from
  bool from_parsed = false;
  size_t sender_field_bytes = 0;
  int ar_count = 0;
  std::unique_ptr<DkimVerifySession> verify;
  std::unique_ptr<DkimSignSession> sign;
  // All DNS work of the message (SPF, DKIM keys, DMARC), from MAIL FROM to end of message.
  Deadline deadline{std::chrono::steady_clock::now()};
  bool deadline_logged = false;
};

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
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
  return is_outbound(msg_ ? msg_->facts.login : std::string(), client_ip_, app_.policy.internal_networks);
}

void MessagePipeline::parse_from() {
  if (msg_->from_parsed) return;
  msg_->facts.from = parse_from_header(msg_->from);
  msg_->from_parsed = true;
}

Verdict MessagePipeline::refuse(const Verdict& v, const std::string& reason, const char* stage) {
  std::string ignored;
  SenderOutcome o = sender_refusal(v, app_.policy.sender, msg_ ? msg_->facts.sender_warning : ignored);
  if (app_.guard && msg_) (void)app_.guard->record(GuardSignal::sender_refused, msg_->facts.login, reason);
  LogLine(*app_.log, LogLevel::notice, "sender")
      .kv("queue_id", msg_ ? msg_->facts.queue_id : "")
      .kv("client", client_)
      .kv("login", msg_ ? msg_->facts.login : "")
      .kv("stage", stage)
      .kv("action", o.warn ? "warn" : "reject")
      .kv("reason", reason);
  return o.verdict;
}

void MessagePipeline::note_deadline(const char* stage) {
  if (!msg_ || msg_->deadline_logged || !msg_->deadline.expired()) return;
  msg_->deadline_logged = true;
  LogLine(*app_.log, LogLevel::warning, "dns_deadline")
      .kv("queue_id", msg_->facts.queue_id)
      .kv("client", client_)
      .kv("stage", stage)
      .kv("message_timeout_ms", app_.config.milter.message_timeout.count())
      .kv("effect", "DNS lookups not answered by then are temperror");
}

Verdict MessagePipeline::mail_from(std::string envelope_from, std::string login, std::string queue_id) {
  msg_ = std::make_shared<Message>();
  MessageFacts& f = msg_->facts;
  f.envelope_from = std::move(envelope_from);
  f.login = std::move(login);
  f.queue_id = std::move(queue_id);
  msg_->deadline = Deadline::after(app_.config.milter.message_timeout);
  if (app_.spf && client_ip_ && !outbound()) {
    f.spf = app_.spf->check_mail_from(*client_ip_, f.envelope_from, helo_, msg_->deadline,
                                      app_.clock.unix_seconds());
    note_deadline("spf");
    const SpfVerdict& v = *f.spf;
    if (auto reject = spf_rejection(v, app_.policy.spf, client_)) {
      LogLine(*app_.log, LogLevel::notice, "spf")
          .kv("queue_id", f.queue_id)
          .kv("client", client_)
          .kv("sender", v.sender)
          .kv("result", "fail")
          .kv("action", "reject")
          .kv("reason", v.reason);
      return *reject;
    }
  }
  if (f.login.empty() || !app_.owners) return {};
  auto map = app_.owners->current();
  SenderVerdict v = check_envelope_sender(*map, app_.config.sender, f.login, f.envelope_from);
  if (!v.allowed) return refuse(Verdict::reject(v.rcode, v.xcode, v.text), v.reason, "mail_from");
  return {};
}

void MessagePipeline::rcpt(const std::string& address) {
  if (msg_) add_rcpt_domain(msg_->facts, address.substr(0, 1024));
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
    if (authres::claims_authserv_id(value, app_.policy.authserv_id)) m.facts.forged_ar.push_back(m.ar_count);
    return {};
  }
  bool is_from = iequals(name, "From"), is_sender = iequals(name, "Sender");
  if (!is_from && !is_sender) return {};
  m.sender_field_bytes += value.size();
  auto& list = is_from ? m.from : m.sender;
  if (list.size() >= kMaxSenderFields || m.sender_field_bytes > kMaxAddressHeader * 2) {
    if (m.facts.login.empty()) return {};  // inbound: DMARC judges the From: fields
    return refuse(Verdict::reject("550", "5.7.1", "Too many or too long From/Sender headers"),
                  "header limits", "header");
  }
  list.emplace_back(value);
  return {};
}

Verdict MessagePipeline::end_of_headers() {
  if (!msg_) return {};
  parse_from();
  if (!msg_->facts.login.empty() && app_.owners) {
    auto map = app_.owners->current();
    SenderVerdict v = check_header_senders(*map, msg_->facts.login, msg_->facts.from, msg_->sender);
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
    m.facts.dkim_note = "headers too large for DKIM";
    return;
  }
  if (outbound()) {
    SigningDecision d = plan_signing(m.facts, app_.policy, app_.signing.get(), app_.owners != nullptr);
    if (d.plans.empty()) {
      m.facts.dkim_note = d.note;
      return;
    }
    auto s = app_.dkim->sign(d.plans, m.facts.queue_id);
    if (!s) {
      m.facts.dkim_note = "not signed: " + s.error().message;
      return;
    }
    m.facts.plans = std::move(d.plans);
    m.sign = std::move(*s);
    for (const auto& [n, v] : m.headers) m.sign->add_header(n, v);
    return;
  }
  if (!app_.config.dkim.verify) return;
  auto v = app_.dkim->verify(m.facts.queue_id, m.deadline);
  if (!v) {
    m.facts.dkim_note = "not verified: " + v.error().message;
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

EomResult MessagePipeline::end_of_message(const std::string& queue_id) {
  if (!msg_) return {};
  Message& m = *msg_;
  MessageFacts& f = m.facts;
  if (!queue_id.empty()) f.queue_id = queue_id;
  parse_from();
  f.client = client_;
  f.client_ip = client_ip_;
  f.helo = helo_;
  f.outbound = outbound();
  if (f.outbound) {
    if (m.sign) f.signatures = m.sign->finish();
  } else if (m.verify) {
    f.dkim = m.verify->finish();
    note_deadline("dkim");
  }
  MessageDecision d = decide_message(f, app_.policy, app_.dmarc.get(), m.deadline);
  if (d.dmarc) {
    note_deadline("dmarc");
    // A tempfailed message comes again: it is reported when it is finally decided.
    if (app_.dmarc_log && d.dmarc->decision.action != DmarcAction::tempfail) {
      if (auto r = app_.dmarc_log->append(d.dmarc->input, d.dmarc->verdict, d.dmarc->decision.disposition,
                                          dmarc_report_facts(f));
          !r) {
        LogLine(*app_.log, LogLevel::error, "dmarc_report_log")
            .kv("file", app_.dmarc_log->path())
            .kv("error", r.error().message);
      }
    }
  }
  {
    LogLine line(*app_.log, LogLevel::info, "message");
    for (const auto& [k, v] : d.log) line.kv(k, v);
  }
  msg_.reset();
  return std::move(d.result);
}

}  // namespace postern
