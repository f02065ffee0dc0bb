// The single translation unit that compiles Boost.Asio's implementation
// (BOOST_ASIO_SEPARATE_COMPILATION is set for every target that links mtasts_net).
#include <boost/asio/impl/src.hpp>
