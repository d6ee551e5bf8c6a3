// for_each_line: walks a text file's lines for the line-oriented parsers (passwd-files, key and
// signing tables, maps). Lines end at LF; a CR before it is dropped; the last line may lack its
// LF. fn(line_no, line) is called with 1-based numbers; returning false stops the walk. No
// allocation; the views point into text.
#pragma once

#include <cstddef>
#include <string_view>

namespace postern {

template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!fn(++line_no, line)) return;
  }
}

}  // namespace postern
