// Fuzz target: sender normalisation and the allowlist file parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/greylist/allowlist.h"
#include "common/greylist/sender.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (postern::normalise_sender(in).size() > postern::kMaxSenderLength) std::abort();
  postern::Allowlist a;
  (void)a.add_client_file_text(in.substr(0, 4096));
  return 0;
}
