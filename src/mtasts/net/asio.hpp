// The one way into Boost.Asio for mtasts: every file that needs Asio includes this header, so
// the configuration below is the same everywhere (Asio/Beast are compiled once, in
// asio_instance.cpp, with BOOST_ASIO_SEPARATE_COMPILATION).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <utility> // Asio's awaitable.hpp uses std::exchange without including it (Boost <= 1.81)

namespace mtasts::net {

namespace asio = boost::asio;
template <typename T>
using Awaitable = asio::awaitable<T>;

} // namespace mtasts::net
