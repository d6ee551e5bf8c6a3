// Result<T>: a value or an Error that says whether retrying may help (temporary) or not (permanent).
// Trusts nothing; no limits. Used by every fallible call in the core (DESIGN habit 5).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace postern {

enum class ErrorKind { temporary, permanent };

struct Error {
  ErrorKind kind = ErrorKind::permanent;
  std::string message;

  static Error temp(std::string m) { return {ErrorKind::temporary, std::move(m)}; }
  static Error perm(std::string m) { return {ErrorKind::permanent, std::move(m)}; }
  bool temporary() const { return kind == ErrorKind::temporary; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> ok() { return {}; }

}  // namespace postern
