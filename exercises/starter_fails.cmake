# Run by ctest (exercise_NN.starter_fails_every_test): the exercise's tests against the
# untouched starter file must all fail, and because of the starter ("exercise N: ... not done
# yet"), not a crash: so an exercise cannot be passed by doing nothing.
#   cmake -DEXE=build/bin/exercise_01 -DNUMBER=1 -P exercises/starter_fails.cmake
execute_process(COMMAND ${EXE} --gtest_brief=1 RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
set(all "${out}${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "the tests PASS on the starter file of exercise ${NUMBER}: a learner "
                      "could pass it by doing nothing. Output:\n${all}")
endif()
if(NOT all MATCHES "exercise ${NUMBER}: [^\n]*not done yet")
  message(FATAL_ERROR "the starter of exercise ${NUMBER} failed without its \"exercise "
                      "${NUMBER}: ... not done yet\" message (a crash?). Output:\n${all}")
endif()
if(NOT all MATCHES "\\[  PASSED  \\] 0 tests")
  string(REGEX MATCH "\\[  PASSED  \\] [0-9]+ tests?" passed "${all}")
  message(FATAL_ERROR "on the starter file of exercise ${NUMBER}, some tests pass "
                      "(${passed}); every test must fail until the exercise is done. Output:\n${all}")
endif()
string(REGEX MATCHALL "\\[  FAILED  \\] [A-Za-z0-9_/]+\\.[A-Za-z0-9_/]+" failed "${all}")
list(LENGTH failed n_failed)
message(STATUS "exercise ${NUMBER}: the starter file fails every test (${n_failed} of them), as it must")
