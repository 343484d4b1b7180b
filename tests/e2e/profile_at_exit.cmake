# Runs one tutorial (at the smoke sizes) with ATTN_PROFILE=FILE.json, as a learner would
# profile a run, and requires the op table on stderr at exit and its rows in the file:
# the profiler turns on from the environment and reports after the tutorial's last line.
#   cmake -DEXE=... -DOUT=... -DCONFIG=... -P profile_at_exit.cmake
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(ENV{ATTN_PROFILE} ${OUT}/profile.json)
execute_process(COMMAND ${EXE} --quick --threads 1 --out ${OUT}/run --config ${CONFIG}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}: ${err}")
endif()
foreach(expected "attnlab profiler:" "bwd ms" "(outside ops)" "backward_engine")
  string(FIND "${err}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "ATTN_PROFILE: no '${expected}' in the run's stderr:\n${err}")
  endif()
endforeach()
file(READ ${OUT}/profile.json json)
string(JSON n LENGTH "${json}" ops)
if(n LESS 5)
  message(FATAL_ERROR "ATTN_PROFILE: ${n} op rows in profile.json, expected a row per op used")
endif()
string(JSON first GET "${json}" ops 0 op)
message(STATUS "${n} op rows; the most time in ${first}")
