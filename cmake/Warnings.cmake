# standard_warnings: INTERFACE target carrying the project's warning policy.
add_library(standard_warnings INTERFACE)
target_compile_options(standard_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Werror=vla)
# g++ 12 at -O2/-O3 reports -Wrestrict inside libstdc++'s std::string operator+ (GCC bug
# 105329, fixed in 13); it is a false positive, so it is off for g++ 12 only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(standard_warnings INTERFACE -Wno-restrict)
endif()
if(MTASTS_WERROR)
  target_compile_options(standard_warnings INTERFACE -Werror)
endif()
