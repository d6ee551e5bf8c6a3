// What a milter decided about one message, as the MTA would apply it: the final action, where it
// was taken, and the modifications asked for at end of message; plus the stable text form the
// milter client prints (first line the action, then one line per modification). Values from the
// milter are untrusted: the text form escapes CR, LF, backslash and other control bytes, so each
// item stays on one line.
#pragma once

#include <string>
#include <vector>

#include "tools/milterclient/reply.h"

namespace postern::mta {

enum class Action { accept, reject, tempfail, discard };

struct Modification {
  ReplyType type = ReplyType::add_header;
  uint32_t index = 0;
  std::string name;
  std::string value;  // header value, address, or (replace_body) the whole new body
  std::string args;
};

struct Verdict {
  Action action = Action::accept;
  std::string reply;  // "553 5.7.1 text" when the milter gave a reply code
  std::string stage;  // connect, helo, mail, rcpt, data, header, eoh, body, eom
  bool quarantined = false;
  std::string quarantine_reason;
  std::vector<std::string> rejected_rcpts;  // "ADDR: reply" for recipients refused one by one
  std::vector<Modification> modifications;  // in the order received (body chunks merged)
};

// "accept", "reject", "tempfail", "discard" or, for an accepted quarantined message, "quarantine".
std::string action_keyword(const Verdict& v);
// The printed form: the action line, rcpt-reject lines, then one line per modification.
std::vector<std::string> format_verdict(const Verdict& v);
// Escapes CR, LF, backslash and control bytes other than TAB (\r, \n, \\, \xHH).
std::string escape_value(std::string_view s);

}  // namespace postern::mta
