# Run by the SourceLists.* ctests (postern_check_listed in cmake/PosternOptions.cmake): compares the
# files of DIR matching PATTERN with LISTED (comma-separated names relative to DIR, the source list
# of LIST_IN) and fails naming every file on disk that the list leaves out and every listed file
# that is gone. The glob here only checks; it never decides what is built.
cmake_minimum_required(VERSION 3.25)
file(GLOB _present RELATIVE ${DIR} ${DIR}/${PATTERN})
string(REPLACE "," ";" _listed "${LISTED}")
set(_problems "")
foreach(_file IN LISTS _present)
  if(NOT _file IN_LIST _listed)
    string(APPEND _problems "\n  ${DIR}/${_file} matches ${PATTERN} but is not listed: add it to ${LIST_IN}")
  endif()
endforeach()
foreach(_file IN LISTS _listed)
  if(NOT EXISTS ${DIR}/${_file})
    string(APPEND _problems "\n  ${_file} is listed in ${LIST_IN} but ${DIR}/${_file} does not exist")
  endif()
endforeach()
if(_problems)
  message(FATAL_ERROR "source list out of date:${_problems}")
endif()
list(LENGTH _present _count)
message(STATUS "${_count} files matching ${PATTERN} in ${DIR}, all listed")
