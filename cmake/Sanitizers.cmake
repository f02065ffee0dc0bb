# standard_settings: INTERFACE target carrying sanitizers and debug assertions.
add_library(standard_settings INTERFACE)
target_compile_definitions(standard_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(MTASTS_SANITIZE)
  target_compile_options(standard_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(standard_settings INTERFACE -fsanitize=address,undefined)
endif()
