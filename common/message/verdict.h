// What the per-message decision (common/message/) hands back to a front-end: a reply (continue,
// reject or tempfail, with its SMTP codes and text), header edits in the order they must be
// applied, a quarantine reason, and the key=value pairs of the message's log line. Plain values,
// no libmilter: postern-milter turns them into libmilter calls (milter/callbacks.cpp). Reply texts
// may hold text from the message or DNS; the adapter makes them safe for its protocol.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace postern {

struct HeaderEdit {
  enum class Op { add, insert, remove };
  Op op = Op::add;
  std::string name;
  std::string value;  // folded with CR LF or LF; callbacks.cpp hands libmilter the LF form
  int index = 0;      // insert: position (0 = top); remove: 1-based among fields of this name
};

struct Verdict {
  enum class Kind { cont, reject, tempfail };
  Kind kind = Kind::cont;
  std::string rcode, xcode, text;
  static Verdict reject(std::string rcode, std::string xcode, std::string text) {
    return {Kind::reject, std::move(rcode), std::move(xcode), std::move(text)};
  }
  static Verdict tempfail(std::string rcode, std::string xcode, std::string text) {
    return {Kind::tempfail, std::move(rcode), std::move(xcode), std::move(text)};
  }
};

struct EomResult {
  Verdict verdict;
  std::vector<HeaderEdit> edits;  // in the order they must be applied
  std::string quarantine;         // non-empty: put the message on hold with this reason
};

// key=value pairs for one log line, in order (common/log/log.h writes them).
using LogFields = std::vector<std::pair<std::string, std::string>>;

}  // namespace postern
