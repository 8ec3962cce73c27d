# cmake -DMODEL=dir -DOUT=dir -DVOCAB=file -P break_model.cmake
# Makes broken copies of a model directory for the bad-input tests:
#   OUT/model-other-vocab   target.vocab replaced by VOCAB
#   OUT/model-truncated     model.ckpt cut to half its size
#   OUT/model-garbage       model.ckpt replaced by text
#   OUT/model-ckpt-dir      model.ckpt replaced by a directory
#   OUT/model-vocab-dir     source.vocab replaced by a directory
#   OUT/model-last-as-model last.ckpt copied over model.ckpt
foreach(name other-vocab truncated garbage ckpt-dir vocab-dir last-as-model)
  file(REMOVE_RECURSE ${OUT}/model-${name})
  file(COPY ${MODEL}/ DESTINATION ${OUT}/model-${name})
endforeach()
file(COPY_FILE ${VOCAB} ${OUT}/model-other-vocab/target.vocab)
file(SIZE ${MODEL}/model.ckpt size)
math(EXPR half "${size} / 2")
execute_process(COMMAND truncate -s ${half} ${OUT}/model-truncated/model.ckpt RESULT_VARIABLE r)
if(NOT r EQUAL 0)
  message(FATAL_ERROR "truncate failed")
endif()
file(WRITE ${OUT}/model-garbage/model.ckpt "this is not a checkpoint, just text that is long enough to be read\n")
file(REMOVE ${OUT}/model-ckpt-dir/model.ckpt)
file(MAKE_DIRECTORY ${OUT}/model-ckpt-dir/model.ckpt)
file(REMOVE ${OUT}/model-vocab-dir/source.vocab)
file(MAKE_DIRECTORY ${OUT}/model-vocab-dir/source.vocab)
file(COPY_FILE ${MODEL}/last.ckpt ${OUT}/model-last-as-model/model.ckpt)
