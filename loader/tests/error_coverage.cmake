# Lists the entry points without an error test in the conformance suite and
# fails if there is any (issue 9: "the conformance suite's error tests cover
# every entry point").
#
#   cmake -DAPI_DIR=<api/keel> -DTESTS_DIR=<conformance/tests> -P error_coverage.cmake
#
# The entry points: every line of KEEL_ENTRY_POINTS (keel_entry_points.h)
# except the backend-internal ones, and every function keel.h declares (the
# loader's own: klInit, klDeviceGet, klCtxPushCurrent, ...). An entry point is
# covered when a case of an error table in conformance/tests/*error*.cc names
# it: a case name is the function's name, alone or followed by `_variant`
# ({"klMemFree_interior", ...}).
foreach(var API_DIR TESTS_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "error_coverage.cmake: -D${var}=... is required")
  endif()
endforeach()

# Functions that document no error of their own, with the reason. An entry
# here that gains a test is stale and fails the check too.
set(exempt
  "klCtxSetCurrent|documents KL_SUCCESS only (a NULL or any context is accepted) and its one error, KL_ERROR_NOT_INITIALIZED, cannot happen after klInit and is tested by keel_loader_dispatch_test (LoaderFunctions.BeforeInitAreNotInitialized)")

file(READ ${API_DIR}/keel_entry_points.h list_text)
string(REGEX MATCHALL "X\\((H|HX|C|C0|S), *kl[A-Za-z0-9]+" lines "${list_text}")
set(names "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE ".*, *" "" name "${line}")
  list(APPEND names ${name})
endforeach()
list(LENGTH names list_count)
if(list_count LESS 50)
  message(FATAL_ERROR "error_coverage.cmake: read only ${list_count} entry points from "
                      "${API_DIR}/keel_entry_points.h; has its format changed?")
endif()
file(READ ${API_DIR}/keel.h header_text)
string(REGEX MATCHALL "KEEL_API KLresult kl[A-Za-z0-9]+\\(" declared "${header_text}")
foreach(d IN LISTS declared)
  string(REGEX REPLACE "KEEL_API KLresult (kl[A-Za-z0-9]+)\\(" "\\1" name "${d}")
  list(APPEND names ${name})
endforeach()
list(REMOVE_DUPLICATES names)

file(GLOB test_files ${TESTS_DIR}/*error*.cc)
if(NOT test_files)
  message(FATAL_ERROR "error_coverage.cmake: no error test file (*error*.cc) in ${TESTS_DIR}")
endif()
set(tests "")
foreach(f IN LISTS test_files)
  file(READ ${f} text)
  string(APPEND tests "${text}")
endforeach()

set(missing "")
set(stale "")
set(covered 0)
foreach(name IN LISTS names)
  set(reason "")
  foreach(e IN LISTS exempt)
    string(REPLACE "|" ";" e "${e}")
    list(GET e 0 e_name)
    if(e_name STREQUAL name)
      list(GET e 1 reason)
    endif()
  endforeach()
  string(REGEX MATCH "\"${name}[\"_]" found "${tests}")
  if(found)
    math(EXPR covered "${covered} + 1")
    if(reason)
      list(APPEND stale ${name})
    endif()
  elseif(reason)
    message(STATUS "exempt: ${name}: ${reason}")
  else()
    list(APPEND missing ${name})
  endif()
endforeach()

list(LENGTH names total)
message(STATUS "${covered} of ${total} entry points have an error test in ${TESTS_DIR}/*error*.cc")
if(stale)
  string(REPLACE ";" ", " stale "${stale}")
  message(SEND_ERROR "stale exemptions (these now have an error test; remove them from "
                     "loader/tests/error_coverage.cmake): ${stale}")
endif()
if(missing)
  string(REPLACE ";" "\n  " missing "${missing}")
  message(FATAL_ERROR "entry points without an error test:\n  ${missing}")
endif()
