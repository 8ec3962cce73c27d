// genattn: header-only attention-based sequence-to-sequence learning on Eigen.
// This umbrella header gives everything public.
#pragma once

#include "genattn/version.hpp"

#include "genattn/core/activations.hpp"
#include "genattn/core/bf16_matrix.hpp"
#include "genattn/core/check.hpp"
#include "genattn/core/cpu_features.hpp"
#include "genattn/core/embedding.hpp"
#include "genattn/core/file.hpp"
#include "genattn/core/init.hpp"
#include "genattn/core/int8_matrix.hpp"
#include "genattn/core/linear.hpp"
#include "genattn/core/packed_matrix.hpp"
#include "genattn/core/packed_weights.hpp"
#include "genattn/core/parallel.hpp"
#include "genattn/core/params.hpp"
#include "genattn/core/precision.hpp"
#include "genattn/core/rng.hpp"
#include "genattn/core/types.hpp"

#include "genattn/rnn/lstm.hpp"
#include "genattn/rnn/lstm_cell.hpp"
#include "genattn/rnn/lstm_layer.hpp"

#include "genattn/attention/additive_score.hpp"
#include "genattn/attention/attention.hpp"
#include "genattn/attention/context.hpp"
#include "genattn/attention/coverage.hpp"
#include "genattn/attention/luong_score.hpp"
#include "genattn/attention/masked_softmax.hpp"
#include "genattn/attention/source_map.hpp"

#include "genattn/core/dropout.hpp"
#include "genattn/core/loss_value.hpp"

#include "genattn/copy/copied_ids.hpp"
#include "genattn/copy/copy_distribution.hpp"
#include "genattn/copy/copy_loss.hpp"
#include "genattn/copy/generation_gate.hpp"

#include "genattn/seq2seq/batch.hpp"
#include "genattn/seq2seq/bridge.hpp"
#include "genattn/seq2seq/config.hpp"
#include "genattn/seq2seq/decoder.hpp"
#include "genattn/seq2seq/decoding_state.hpp"
#include "genattn/seq2seq/loss.hpp"
#include "genattn/seq2seq/seq2seq.hpp"

#include "genattn/decode/ensemble.hpp"
#include "genattn/decode/search.hpp"

#include "genattn/train/average.hpp"
#include "genattn/train/bootstrap.hpp"
#include "genattn/train/checkpoint.hpp"
#include "genattn/train/clip.hpp"
#include "genattn/train/optimizer.hpp"
#include "genattn/train/schedule.hpp"
#include "genattn/train/trainer.hpp"

#include "genattn/pipeline/batcher.hpp"
#include "genattn/pipeline/extended_vocabulary.hpp"
#include "genattn/pipeline/kept_checkpoints.hpp"
#include "genattn/pipeline/text_ensemble.hpp"
#include "genattn/pipeline/text_model.hpp"

#include "genattn/text/lines.hpp"
#include "genattn/text/noise.hpp"
#include "genattn/text/tokenizer.hpp"
#include "genattn/text/utf8.hpp"
#include "genattn/text/vocabulary.hpp"

#include "genattn/metrics/bleu.hpp"
#include "genattn/metrics/ngrams.hpp"
#include "genattn/metrics/porter_stemmer.hpp"
#include "genattn/metrics/rouge.hpp"
#include "genattn/metrics/tokenizer_13a.hpp"
