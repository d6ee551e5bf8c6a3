// libFuzzer target for what a milter chain does with a milter's untrusted modifications
// (tools/milterclient/chain.h apply_verdict): the input is a stream of reply packets as a milter
// sends them at end of message; each decoded modification is applied to a small message, with and
// without header-leading-space. Checks what the next milter relies on: field names non-empty,
// every field within kMaxHeaderFieldBytes, at most kMaxHeaderFields fields, no CRLF in values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/milterclient/chain.h"
#include "tools/milterclient/reply.h"

namespace pm = postern::mta;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  pm::Verdict v;
  while (!in.empty() && v.modifications.size() < 64) {
    auto f = pm::split_frame(in);
    if (!f.ok() || !f->has_value()) break;
    in.remove_prefix((*f)->size);
    auto r = pm::parse_reply((*f)->command, (*f)->payload);
    if (!r.ok()) continue;
    pm::Modification m;
    m.type = r->type;
    m.index = r->index;
    m.name = r->name;
    m.value = r->value;
    m.args = r->args;
    v.modifications.push_back(std::move(m));
  }
  for (bool lead : {false, true}) {
    auto msg = pm::parse_message("Received: from a\nFrom: a@example.org\nSubject: s\n\nbody\n");
    if (!msg.ok()) __builtin_trap();
    pm::Envelope env;
    env.from = "a@example.org";
    env.rcpts = {"b@example.org"};
    auto ok = pm::apply_verdict(v, lead, *msg, env);
    (void)ok;
    if (msg->headers.size() > pm::kMaxHeaderFields) __builtin_trap();
    for (const auto& h : msg->headers) {
      if (h.name.empty()) __builtin_trap();
      if (h.name.size() + h.value.size() + 1 > pm::kMaxHeaderFieldBytes) __builtin_trap();
      if (h.value.find("\r\n") != std::string::npos) __builtin_trap();
    }
  }
  return 0;
}
