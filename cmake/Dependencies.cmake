# Every third-party dependency comes from Debian packages (scripts/install-deps.sh) and is
# exposed as a dep:: target so the rest of the build never names a Find module directly.
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json url)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)
find_package(fmt REQUIRED)
find_package(OpenSSL 3 REQUIRED)
# Not through pkg-config: Debian's libunbound.pc requires libevent's .pc, which we do not need.
find_path(UNBOUND_INCLUDE_DIR unbound.h REQUIRED)
find_library(UNBOUND_LIBRARY unbound REQUIRED)

add_library(dep::boost_json INTERFACE IMPORTED)
target_link_libraries(dep::boost_json INTERFACE Boost::json)
target_compile_definitions(dep::boost_json INTERFACE BOOST_ALL_NO_LIB)
add_library(dep::boost_url INTERFACE IMPORTED)
target_link_libraries(dep::boost_url INTERFACE Boost::url)
add_library(dep::zlib INTERFACE IMPORTED)
target_link_libraries(dep::zlib INTERFACE ZLIB::ZLIB)
add_library(dep::idn2 INTERFACE IMPORTED)
target_link_libraries(dep::idn2 INTERFACE PkgConfig::IDN2)
# Asio is compiled once (src/mtasts/net/asio_instance.cpp); every user sees the same macros.
add_library(dep::asio INTERFACE IMPORTED)
target_link_libraries(dep::asio INTERFACE Boost::headers)
target_compile_definitions(dep::asio INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(dep::asio INTERFACE dep::openssl)
add_library(dep::openssl INTERFACE IMPORTED)
target_link_libraries(dep::openssl INTERFACE OpenSSL::SSL OpenSSL::Crypto)
add_library(dep::unbound INTERFACE IMPORTED)
target_include_directories(dep::unbound INTERFACE ${UNBOUND_INCLUDE_DIR})
target_link_libraries(dep::unbound INTERFACE ${UNBOUND_LIBRARY})
add_library(dep::fmt INTERFACE IMPORTED)
target_link_libraries(dep::fmt INTERFACE fmt::fmt)

if(MTASTS_BUILD_APP)
  find_package(CLI11 CONFIG QUIET)
  if(NOT CLI11_FOUND)
    find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
  endif()
endif()
if(BUILD_TESTING AND NOT MTASTS_FUZZ)
  find_package(GTest CONFIG REQUIRED)
endif()
if(MTASTS_BUILD_BENCH AND NOT MTASTS_FUZZ)
  find_package(benchmark CONFIG REQUIRED)
endif()

# Policy stores (src/mtasts/store): SQLite through CMake's FindSQLite3; hiredis 0.14 by path,
# because Debian's hiredis.pc puts the include dir inside hiredis/ (we include <hiredis/hiredis.h>).
find_package(SQLite3 REQUIRED)
add_library(dep::sqlite3 INTERFACE IMPORTED)
target_link_libraries(dep::sqlite3 INTERFACE SQLite::SQLite3)
find_path(HIREDIS_INCLUDE_DIR hiredis/hiredis.h REQUIRED)
find_library(HIREDIS_LIBRARY hiredis REQUIRED)
add_library(dep::hiredis INTERFACE IMPORTED)
target_include_directories(dep::hiredis INTERFACE ${HIREDIS_INCLUDE_DIR})
target_link_libraries(dep::hiredis INTERFACE ${HIREDIS_LIBRARY})

# toml++ (config files; compiled library from Debian, TOML_HEADER_ONLY=0 via pkg-config)
pkg_check_modules(TOMLPLUSPLUS REQUIRED IMPORTED_TARGET tomlplusplus)
add_library(dep::tomlplusplus INTERFACE IMPORTED)
target_link_libraries(dep::tomlplusplus INTERFACE PkgConfig::TOMLPLUSPLUS)

# spdlog (daemon logs) with Debian's external fmt
find_package(spdlog CONFIG REQUIRED)
add_library(dep::spdlog INTERFACE IMPORTED)
target_link_libraries(dep::spdlog INTERFACE spdlog::spdlog)
