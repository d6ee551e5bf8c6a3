# Compiler flags shared by every Postern target: warnings, sanitizers, fuzzing instrumentation.
add_library(postern_flags INTERFACE)
target_compile_options(postern_flags INTERFACE -Wall -Wextra)
if(POSTERN_WERROR)
  target_compile_options(postern_flags INTERFACE -Werror)
endif()
target_include_directories(postern_flags INTERFACE ${PROJECT_SOURCE_DIR})
if(POSTERN_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(-fsanitize=address,undefined)
endif()
if(POSTERN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "POSTERN_FUZZ needs clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# postern_area(NAME SOURCES ... [DEPS ...]): a static library postern_NAME for one area of the core,
# added to the postern_common umbrella.
function(postern_area name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS" ${ARGN})
  add_library(postern_${name} STATIC ${A_SOURCES})
  target_link_libraries(postern_${name} PUBLIC postern_flags ${A_DEPS})
  target_link_libraries(postern_common INTERFACE postern_${name})
endfunction()

# postern_check_listed(NAME PATTERN FILE ...): a ctest, SourceLists.NAME, that fails when a file of
# the calling directory matching PATTERN is not among FILE ... (it would be silently left out of the
# build: source lists are explicit, and a glob would miss a new file until CMake is re-run by hand),
# or when a listed file is gone. The comparison runs at test time (cmake/CheckListed.cmake).
function(postern_check_listed name pattern)
  string(JOIN "," _listed ${ARGN})
  add_test(NAME SourceLists.${name}
           COMMAND ${CMAKE_COMMAND} -DDIR=${CMAKE_CURRENT_SOURCE_DIR} -DPATTERN=${pattern} -DLISTED=${_listed}
                   -DLIST_IN=${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt -P ${PROJECT_SOURCE_DIR}/cmake/CheckListed.cmake)
  set_tests_properties(SourceLists.${name} PROPERTIES LABELS lint TIMEOUT 60)
endfunction()
