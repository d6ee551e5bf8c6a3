// libmilter callbacks of postern-milter: collect what a message's decisions need (the SASL login
// from {auth_authen}, MAIL FROM, the From:/Sender: fields, bounded) and ask the core. Today that
// is sender ownership for authenticated users: MAIL FROM is checked at once (553 5.7.1), the
// header senders at end of headers (550 5.7.1); in soft mode nothing is rejected and the message
// gets an X-Postern-Sender-Warning header. One log line per decision, with the queue id.
#include <libmilter/mfapi.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/mail/address.h"
#include "common/sender/enforce.h"
#include "milter/app.h"

namespace postern {
namespace {

App* g_app = nullptr;

constexpr size_t kMaxSenderFields = 8;  // more From/Sender fields than this is refused outright

struct Message {
  std::string login;
  std::string envelope_from;
  std::vector<std::string> from, sender;
  size_t sender_field_bytes = 0;
  std::string warning;  // soft mode: what would have been rejected
};

struct Conn {
  std::string client;
  Message msg;
};

Conn* conn(SMFICTX* ctx) { return static_cast<Conn*>(smfi_getpriv(ctx)); }

std::string macro(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v ? std::string(v) : std::string();
}

bool soft() { return g_app->config.sender.mode == "soft"; }

sfsistat refuse(SMFICTX* ctx, const SenderVerdict& v, const char* stage) {
  Conn* c = conn(ctx);
  LogLine(*g_app->log, LogLevel::notice, "sender")
      .kv("queue_id", macro(ctx, "i"))
      .kv("client", c ? c->client : "")
      .kv("login", c ? c->msg.login : "")
      .kv("stage", stage)
      .kv("action", soft() ? "warn" : "reject")
      .kv("reason", v.reason);
  if (soft()) {
    if (c && c->msg.warning.empty()) c->msg.warning = v.text;
    return SMFIS_CONTINUE;
  }
  std::string text = v.text;
  smfi_setreply(ctx, const_cast<char*>(v.rcode.c_str()), const_cast<char*>(v.xcode.c_str()), text.data());
  return SMFIS_REJECT;
}

sfsistat on_connect(SMFICTX* ctx, char*, _SOCK_ADDR*) {
  auto* c = new Conn();
  c->client = macro(ctx, "{client_addr}");
  smfi_setpriv(ctx, c);
  return SMFIS_CONTINUE;
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_TEMPFAIL;
  c->msg = Message();
  c->msg.login = macro(ctx, "{auth_authen}");
  c->msg.envelope_from = argv && argv[0] ? argv[0] : "";
  if (c->msg.login.empty() || !g_app->owners) return SMFIS_CONTINUE;
  auto map = g_app->owners->current();
  SenderVerdict v = check_envelope_sender(*map, g_app->config.sender, c->msg.login, c->msg.envelope_from);
  if (!v.allowed) return refuse(ctx, v, "mail_from");
  return SMFIS_CONTINUE;
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  Conn* c = conn(ctx);
  if (!c || c->msg.login.empty() || !g_app->owners || !name || !value) return SMFIS_CONTINUE;
  bool is_from = strcasecmp(name, "From") == 0, is_sender = strcasecmp(name, "Sender") == 0;
  if (!is_from && !is_sender) return SMFIS_CONTINUE;
  size_t len = strlen(value);
  c->msg.sender_field_bytes += len;
  auto& list = is_from ? c->msg.from : c->msg.sender;
  if (list.size() >= kMaxSenderFields || c->msg.sender_field_bytes > kMaxAddressHeader * 2) {
    return refuse(ctx, {false, "550", "5.7.1", "Too many or too long From/Sender headers", "header limits"},
                  "header");
  }
  list.emplace_back(value, len);
  return SMFIS_CONTINUE;
}

sfsistat on_eoh(SMFICTX* ctx) {
  Conn* c = conn(ctx);
  if (!c || c->msg.login.empty() || !g_app->owners) return SMFIS_CONTINUE;
  auto map = g_app->owners->current();
  SenderVerdict v = check_header_senders(*map, c->msg.login, c->msg.from, c->msg.sender);
  if (!v.allowed) return refuse(ctx, v, "headers");
  return SMFIS_CONTINUE;
}

sfsistat on_eom(SMFICTX* ctx) {
  Conn* c = conn(ctx);
  if (!c) return SMFIS_CONTINUE;
  if (!c->msg.login.empty()) {
    if (!c->msg.warning.empty()) {
      std::string value = c->msg.warning;
      smfi_addheader(ctx, const_cast<char*>("X-Postern-Sender-Warning"), value.data());
    }
    LogLine(*g_app->log, LogLevel::info, "message")
        .kv("queue_id", macro(ctx, "i"))
        .kv("client", c->client)
        .kv("login", c->msg.login)
        .kv("sender", c->msg.envelope_from)
        .kv("sender_check", c->msg.warning.empty() ? "pass" : "warn");
  }
  c->msg = Message();
  return SMFIS_CONTINUE;
}

sfsistat on_abort(SMFICTX* ctx) {
  if (Conn* c = conn(ctx)) c->msg = Message();
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
    SMFIF_ADDHDRS,
    on_connect,
    nullptr,  // helo
    on_envfrom,
    nullptr,  // envrcpt
    on_header,
    on_eoh,
    nullptr,  // body: not needed for sender ownership
    on_eom,
    on_abort,
    on_close,
    nullptr,  // unknown
    nullptr,  // data
    nullptr,  // negotiate
};

}  // namespace

App& milter_app() { return *g_app; }
void set_milter_app(App* app) { g_app = app; }
smfiDesc* milter_description() { return &g_desc; }

}  // namespace postern
