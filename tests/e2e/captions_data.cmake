# `05_captioning --data DIR` on a tiny captioned set the test writes itself (MAKER: the
# make_caption_set program), once in COCO's layout and once in Karpathy's: the run must
# train on it, write its metrics, figures and page, and say that attention correctness
# (which needs boxes) was skipped.
foreach(layout coco karpathy)
  set(dir ${OUT}/${layout}_set)
  set(out ${OUT}/${layout}_run)
  file(REMOVE_RECURSE ${dir} ${out})
  execute_process(COMMAND ${MAKER} ${dir} ${layout} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${MAKER} ${dir} ${layout} exited with ${rc}")
  endif()
  execute_process(COMMAND ${EXE} --quick --seed 1 --threads 1 --out ${out} --data ${dir}
                          --config ${CONFIG}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} --data ${dir} exited with ${rc}:\n${stdout}")
  endif()
  foreach(f metrics.json index.html loss.svg show_tell.safetensors show_attend_tell.safetensors)
    if(NOT EXISTS ${out}/${f})
      message(FATAL_ERROR "${EXE} --data ${dir} did not write ${out}/${f}")
    endif()
  endforeach()
  file(READ ${out}/metrics.json m)
  string(JSON bleu4 GET "${m}" bleu show_attend_tell 4)
  string(JSON skipped GET "${m}" attention_correctness)
  if(NOT skipped MATCHES "^skipped")
    message(FATAL_ERROR "--data ${layout}: attention_correctness is '${skipped}', expected "
                        "'skipped: ...' (these captions have no boxes)")
  endif()
  string(JSON images GET "${m}" train_images)
  if(NOT images EQUAL 6 AND NOT images EQUAL 7)
    message(FATAL_ERROR "--data ${layout}: ${images} training images, expected 6 or 7 of 8")
  endif()
  message(STATUS "${layout}: ${images} training images, BLEU-4 ${bleu4}")
endforeach()
