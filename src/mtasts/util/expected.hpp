// Expected<T, E>: a value or an error, spelled like C++23 std::expected so it can become an alias
// once the toolchain allows (libstdc++ 12 ships <expected> only under -std=c++23, clang 14 not at
// all). Parsers return it and never throw.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace mtasts::util {

// --- Interface ---

template <typename E>
class Unexpected
{
public:
  explicit Unexpected(E error) : m_error(std::move(error)) {}
  const E& error() const& { return m_error; }
  E&& error() && { return std::move(m_error); }

private:
  E m_error;
};

template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename T, typename E>
class [[nodiscard]] Expected
{
public:
  using value_type = T;
  using error_type = E;

  template <typename U = T>
  requires std::is_constructible_v<T, U&&> Expected(U&& value)
      : m_storage(std::in_place_index<0>, std::forward<U>(value)) // NOLINT
  {}
  template <typename G>
  Expected(Unexpected<G> unexpected) // NOLINT(google-explicit-constructor)
      : m_storage(std::in_place_index<1>, std::move(unexpected).error())
  {}

  bool has_value() const { return m_storage.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() &
  {
    assert(has_value());
    return std::get<0>(m_storage);
  }
  const T& value() const&
  {
    assert(has_value());
    return std::get<0>(m_storage);
  }
  T&& value() &&
  {
    assert(has_value());
    return std::get<0>(std::move(m_storage));
  }
  const E& error() const&
  {
    assert(!has_value());
    return std::get<1>(m_storage);
  }
  E&& error() &&
  {
    assert(!has_value());
    return std::get<1>(std::move(m_storage));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const&
  {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

private:
  std::variant<T, E> m_storage;
};

} // namespace mtasts::util

// TRY_ASSIGN(var, expr): evaluate expr (an Expected); on error return its error from the
// enclosing function, else move the value into the new variable var.
#define MTASTS_CONCAT_INNER(a, b) a##b
#define MTASTS_CONCAT(a, b) MTASTS_CONCAT_INNER(a, b)
#define TRY_ASSIGN(var, expr)                                                                      \
  auto MTASTS_CONCAT(try_tmp_, __LINE__) = (expr);                                                 \
  if (!MTASTS_CONCAT(try_tmp_, __LINE__)) {                                                        \
    return ::mtasts::util::Unexpected(std::move(MTASTS_CONCAT(try_tmp_, __LINE__)).error());       \
  }                                                                                                \
  auto var = std::move(MTASTS_CONCAT(try_tmp_, __LINE__)).value()
