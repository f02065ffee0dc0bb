# standard_settings: INTERFACE target carrying sanitizers and debug assertions.
add_library(standard_settings INTERFACE)
target_compile_definitions(standard_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(MTASTS_SANITIZE)
  target_compile_options(standard_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(standard_settings INTERFACE -fsanitize=address,undefined)
endif()
if(MTASTS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MTASTS_FUZZ needs clang (libFuzzer); use the 'fuzz' preset")
  endif()
  # Every library is instrumented for coverage feedback; the fuzz executables add the driver.
  target_compile_options(standard_settings INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(standard_settings INTERFACE -fsanitize=address,undefined)
endif()
