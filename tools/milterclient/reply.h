// Decoder for what a milter sends back to the MTA: the length-prefixed packet framing and each
// reply packet's payload. Input is untrusted bytes from the milter's socket; every function here is
// pure (bytes in, value or Error out), never asserts, and bounds what it accepts with the named
// limits below. A packet is a 4-byte big-endian length (counting the command byte), the command
// byte and the payload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::mta {

// Largest packet (command byte + payload) accepted from a milter. Body replacement chunks are at
// most 64 KiB without a larger negotiated size, header values far less; 1 MiB leaves room.
inline constexpr size_t kMaxPacketLength = 1 << 20;
// Most macro-list entries (one per stage) in a negotiation reply.
inline constexpr size_t kMaxSymlistEntries = 16;
// Longest SMTP reply text in a REPLYCODE reply.
inline constexpr size_t kMaxReplyCodeText = 64 * 1024;

struct Frame {
  char command = 0;
  std::string_view payload;  // points into the buffer given to split_frame
  size_t size = 0;           // bytes consumed from the buffer, prefix included
};

// The first packet of buf; nullopt when buf holds only part of one (read more); an Error for a
// zero or oversized length.
Result<std::optional<Frame>> split_frame(std::string_view buf);

enum class ReplyType {
  negotiate,      // 'O'
  accept,         // 'a'
  cont,           // 'c'
  reject,         // 'r'
  tempfail,       // 't'
  reply_code,     // 'y': code + text
  discard,        // 'd'
  quarantine,     // 'q': reason
  skip,           // 's'
  progress,       // 'p'
  conn_fail,      // 'f'
  shutdown,       // '4'
  add_header,     // 'h': name, value
  insert_header,  // 'i': index, name, value
  change_header,  // 'm': index, name, value (empty value deletes)
  add_rcpt,       // '+': address
  add_rcpt_par,   // '2': address, args
  del_rcpt,       // '-': address
  change_from,    // 'e': address, args
  replace_body,   // 'b': a chunk of the new body
  set_symlist,    // 'l': stage, macro names (rare outside negotiation)
};

struct SymList {
  uint32_t stage = 0;  // 0 connect, 1 helo, 2 mail, 3 rcpt, 4 data, 5 eom, 6 eoh
  std::string macros;  // space-separated names as sent
};

struct Negotiation {
  uint32_t version = 0;
  uint32_t actions = 0;
  uint32_t protocol = 0;
  std::vector<SymList> symlists;
};

struct Reply {
  ReplyType type = ReplyType::cont;
  char command = 0;
  uint32_t index = 0;  // insert_header, change_header
  std::string name;    // header name
  std::string value;   // header value; quarantine reason; rcpt/from address; reply text; body chunk
  std::string args;    // ESMTP args of add_rcpt_par / change_from
  int code = 0;        // reply_code: the SMTP code (400..599)
  Negotiation negotiation;
};

// Decodes one packet's payload, given its command byte.
Result<Reply> parse_reply(char command, std::string_view payload);

// Bytes read so far from a milter, however they were split across reads: append() what arrives,
// next() yields each complete reply in order (nullopt: read more). After an Error the stream is
// out of sync and must be dropped. Holds at most one packet plus one read beyond it.
class ReplyStream {
 public:
  void append(std::string_view bytes) { buf_.append(bytes); }
  Result<std::optional<Reply>> next();
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
};

}  // namespace postern::mta
