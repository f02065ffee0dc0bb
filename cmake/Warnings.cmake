# standard_warnings: INTERFACE target carrying the project's warning policy.
add_library(standard_warnings INTERFACE)
target_compile_options(standard_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough -Werror=vla)
if(MTASTS_WERROR)
  target_compile_options(standard_warnings INTERFACE -Werror)
endif()
