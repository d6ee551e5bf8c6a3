// Does an incoming Authentication-Results value claim our authserv-id? The milter removes every
// such header before adding its own (RFC 8601 §5). The decision is deliberately wider than the
// RFC 8601 grammar: a header is ours when a reader that is laxer than the grammar would read our
// id in it, because downstream filters and mail clients differ. Concretely, after skipping CFWS
// and Unicode white space (UTF-8 encoded: NBSP, the U+2000 spaces, ideographic space, zero-width
// space, BOM, ...), the value starts with our id (case-insensitively, bare or quoted, quotes and
// surrounding white space inside them ignored) and the next character is not one that would
// continue a different host name (letter, digit, '-', '.', '_'). A value that parses strictly
// (parse.h) with our id is ours too. Input is untrusted header bytes; bounded by
// kMaxHeaderBytes (longer values are judged on their first kMaxHeaderBytes bytes); pure.
#pragma once

#include <string_view>

namespace postern::authres {

bool claims_authserv_id(std::string_view header_value, std::string_view ours);

}  // namespace postern::authres
