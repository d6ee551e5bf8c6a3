// libmilter callbacks of postern-milter: a thin adapter from libmilter to MessagePipeline (one per
// SMTP connection, in the connection's private data). It negotiates only the steps it needs (no
// DATA or unknown-command callbacks; RCPT without a reply, for the DMARC report's envelope_to) and header
// values with their leading space (SMFIP_HDR_LEADSPC), which DKIM's simple header canonicalisation needs;
// values it adds carry that space too. The client address comes from the connect packet ({client_addr} as a
// fallback); macros read: {auth_authen} and i (MAIL FROM), i (end of message). Each connection
// holds the configuration snapshot (milter/app.h) its current message started with and moves to
// the newest one at the next MAIL FROM, so a reload never changes the rules mid-message.
// The milter answers nothing to CONNECT, HELO, each header and each body chunk (SMFIP_NR_*): an MTA
// that supports it (Postfix does) streams them without waiting for a round trip each; for one that
// does not, libmilter answers "continue" itself. A header-stage refusal (too many From/Sender
// fields) is held and given at end of headers.
#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "common/mail/header_value.h"
#include "milter/app.h"
#include "milter/pipeline.h"

namespace postern {
namespace {

struct Conn {
  explicit Conn(std::shared_ptr<const App> a)
      : app(std::move(a)), pipeline(std::make_unique<MessagePipeline>(*app)) {}
  // Between messages: moves to the newest configuration if a reload published one.
  void refresh() {
    auto now = current_app();
    if (!now || now == app) return;
    auto next = std::make_unique<MessagePipeline>(*now);
    next->connect(client_addr, client_name);
    next->helo(helo);
    pipeline = std::move(next);  // the old pipeline goes first: it refers to the old snapshot
    app = std::move(now);
  }
  std::shared_ptr<const App> app;
  std::unique_ptr<MessagePipeline> pipeline;
  std::string client_addr, client_name, helo;  // to replay into a refreshed pipeline
  bool leading_space = false;                  // SMFIP_HDR_LEADSPC negotiated
  unsigned long no_reply = 0;                  // the SMFIP_NR_* steps negotiated
  std::optional<Verdict> held;                 // a header refusal, given at end of headers
  sfsistat quiet(unsigned long step) const { return (no_reply & step) ? SMFIS_NOREPLY : SMFIS_CONTINUE; }
};

Conn* conn(SMFICTX* ctx) { return static_cast<Conn*>(smfi_getpriv(ctx)); }

std::string macro(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v ? std::string(v) : std::string();
}

sfsistat apply(SMFICTX* ctx, const Verdict& v) {
  switch (v.kind) {
    case Verdict::Kind::cont:
      return SMFIS_CONTINUE;
    case Verdict::Kind::tempfail:
    case Verdict::Kind::reject: {
      if (v.kind == Verdict::Kind::tempfail && v.rcode.empty()) return SMFIS_TEMPFAIL;
      std::string text = v.text;
      // '%' would be read as a printf directive by the MTA side of some implementations.
      for (char& ch : text) {
        if (ch == '%' || ch == '\r' || ch == '\n') ch = ' ';
      }
      smfi_setreply(ctx, const_cast<char*>(v.rcode.c_str()), const_cast<char*>(v.xcode.c_str()), text.data());
      return v.kind == Verdict::Kind::tempfail ? SMFIS_TEMPFAIL : SMFIS_REJECT;
    }
  }
  return SMFIS_CONTINUE;
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
  const unsigned long want_actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
  if ((f0 & want_actions) != want_actions) return SMFIS_REJECT;  // the MTA cannot do what we need
  *pf0 = want_actions;
  unsigned long steps = SMFIP_NODATA | SMFIP_NOUNKNOWN;
  unsigned long no_reply = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY;
  *pf1 = (f1 & steps) | (f1 & SMFIP_HDR_LEADSPC) | (f1 & no_reply);
  *pf2 = 0;
  *pf3 = 0;
  auto* c = new Conn(current_app());
  c->leading_space = (f1 & SMFIP_HDR_LEADSPC) != 0;
  c->no_reply = f1 & no_reply;
  smfi_setpriv(ctx, c);
  return SMFIS_CONTINUE;
}

// The client address from the connect packet (Postfix does not send {client_addr} by default).
std::string address_of(const _SOCK_ADDR* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa && sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa && sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

sfsistat on_connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* hostaddr) {
  Conn* c = conn(ctx);
  if (!c) {  // an MTA that did not negotiate (protocol v2): no leading spaces
    c = new Conn(current_app());
    smfi_setpriv(ctx, c);
  }
  std::string addr = address_of(hostaddr);
  if (addr.empty()) addr = macro(ctx, "{client_addr}");
  c->client_addr = addr;
  c->client_name = hostname ? hostname : "";
  c->pipeline->connect(addr, c->client_name);
  return c->quiet(SMFIP_NR_CONN);
}

sfsistat on_helo(SMFICTX* ctx, char* name) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_CONTINUE;
  c->helo = name ? name : "";
  c->pipeline->helo(c->helo);
  return c->quiet(SMFIP_NR_HELO);
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_TEMPFAIL;
  c->held.reset();
  c->refresh();
  return apply(ctx, c->pipeline->mail_from(argv && argv[0] ? argv[0] : "", macro(ctx, "{auth_authen}"),
                                           macro(ctx, "i")));
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_CONTINUE;
  c->pipeline->rcpt(argv && argv[0] ? argv[0] : "");
  return c->quiet(SMFIP_NR_RCPT);
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_CONTINUE;
  if (!name || !value || c->held) return c->quiet(SMFIP_NR_HDR);
  Verdict v = c->pipeline->header(name, value);
  if (!(c->no_reply & SMFIP_NR_HDR)) return apply(ctx, v);
  if (v.kind != Verdict::Kind::cont) c->held = std::move(v);
  return SMFIS_NOREPLY;
}

sfsistat on_eoh(SMFICTX* ctx) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_CONTINUE;
  if (c->held) {
    Verdict v = std::move(*c->held);
    c->held.reset();
    return apply(ctx, v);
  }
  return apply(ctx, c->pipeline->end_of_headers());
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t len) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_CONTINUE;
  c->pipeline->body(std::string_view(reinterpret_cast<const char*>(chunk), len));
  return c->quiet(SMFIP_NR_BODY);
}

sfsistat on_eom(SMFICTX* ctx) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_CONTINUE;
  EomResult r = c->pipeline->end_of_message(macro(ctx, "i"));
  if (r.verdict.kind != Verdict::Kind::cont) return apply(ctx, r.verdict);
  for (const auto& e : r.edits) {
    // Every value leaves in libmilter's form, LF-folded with no CR (common/mail/header_value.h).
    std::string value =
        (c->leading_space && e.op != HeaderEdit::Op::remove ? " " : "") + header_value_lf(e.value);
    char* name = const_cast<char*>(e.name.c_str());
    switch (e.op) {
      case HeaderEdit::Op::add:
        smfi_addheader(ctx, name, value.data());
        break;
      case HeaderEdit::Op::insert:
        smfi_insheader(ctx, e.index, name, value.data());
        break;
      case HeaderEdit::Op::remove:
        smfi_chgheader(ctx, name, e.index, nullptr);
        break;
    }
  }
  if (!r.quarantine.empty()) smfi_quarantine(ctx, r.quarantine.data());
  return SMFIS_CONTINUE;
}

sfsistat on_abort(SMFICTX* ctx) {
  if (Conn* c = conn(ctx)) {
    c->pipeline->reset();
    c->held.reset();
  }
  return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* ctx) {
  delete conn(ctx);
  smfi_setpriv(ctx, nullptr);
  return SMFIS_CONTINUE;
}

smfiDesc g_desc = {
    const_cast<char*>("postern-milter"),
    SMFI_VERSION,
    SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
    on_connect,
    on_helo,
    on_envfrom,
    on_envrcpt,
    on_header,
    on_eoh,
    on_body,
    on_eom,
    on_abort,
    on_close,
    nullptr,  // unknown
    nullptr,  // data
    on_negotiate,
};

}  // namespace

smfiDesc* milter_description() { return &g_desc; }

}  // namespace postern
