// normalise_sender: the sender part of a greylist key. Lower-cases the address and removes the
// parts that change from one delivery attempt to the next: a "+extension", BATV tags
// (prvs=TAG=local@, btv1==TAG==local@) and SRS rewriting (SRS0=HASH=TT=domain=local@forwarder,
// SRS1=HASH=forwarder==HASH=TT=domain=local@...), which would otherwise greylist every retry
// anew. "" (the null sender) becomes "<>". Untrusted input: at most kMaxSenderLength bytes are
// used; anything unexpected is kept as written (lower-cased), never guessed. Pure function.
#pragma once

#include <string>
#include <string_view>

namespace postern {

inline constexpr size_t kMaxSenderLength = 512;

std::string normalise_sender(std::string_view sender);
// The domain of an address, lower-case ("" when there is none).
std::string address_domain(std::string_view address);

}  // namespace postern
