// A header field value in the form libmilter and Postfix take (smfi_addheader/smfi_insheader):
// continuation lines separated by a bare LF, never a CR. Postfix writes the value into its queue
// file as given and turns each LF into the line end of the output channel (CR LF over SMTP and
// LMTP), so a CR left in a value reaches the mailbox as a bare CR, or as CR CR LF on the wire.
// header_value_lf() turns any value (folded with CR LF as RFC 5322 and libopendkim write it, or
// with LF, or carrying stray control characters from untrusted input) into that form:
//   - CR LF and a lone CR become LF;
//   - a line break not followed by a space or tab gets a tab, so the value can never end the
//     field and start another one (no header injection), and empty continuation lines are dropped
//     (a white-space-only line would end the header section for some readers);
//   - NUL and the other control characters except tab become a space;
//   - trailing line breaks and white space are removed.
// Pure; output at most twice the input's length.
#pragma once

#include <string>
#include <string_view>

namespace postern {

std::string header_value_lf(std::string_view value);

}  // namespace postern
