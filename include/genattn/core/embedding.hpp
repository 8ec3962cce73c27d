// genattn/core/embedding.hpp: token ids to vectors.
//
//   y_n = E[:, id_n]            E: Dim x V (one column per word), y: Dim x N
//   y_n = 0 when id_n is the padding id
//   dL/dE[:, w] = sum_{n: id_n = w, w != pad} dy_n
//
// Backward touches only the columns of ids that occur; the padding id's column
// never gets a gradient. Parameters: <prefix>.E (N(0, 1), as torch.nn.Embedding).
// A table held encoded (a quantized model loaded for decoding, core/params.hpp)
// widens each column looked up: y_n = q[:, id_n] * scale_id_n (int8), or its
// bf16 values.
#pragma once

#include <string>

#include "genattn/core/check.hpp"
#include "genattn/core/instances.hpp"
#include "genattn/core/params.hpp"

GENATTN_NAMESPACE_BEGIN

template <class T>
class Embedding {
  GENATTN_REQUIRE_SCALAR(T);

 public:
  /// `padding_id` < 0 means no padding id.
  Embedding(ParamLayout& layout, const std::string& prefix, Index vocab, Index dim, TokenId padding_id = -1)
      : vocab_(vocab), dim_(dim), pad_(padding_id) {
    check_arg(vocab > 0 && dim > 0, "Embedding",
              "vocabulary size " + std::to_string(vocab) + " and dimension " + std::to_string(dim) +
                  " must be positive");
    check_arg(padding_id < vocab, "Embedding",
              "padding id " + std::to_string(padding_id) + " is outside the vocabulary of " + std::to_string(vocab));
    E_ = layout.add(prefix + ".E", dim, vocab, InitSpec::normal(1.0));
  }

  Index vocab_size() const { return vocab_; }
  Index dim() const { return dim_; }
  TokenId padding_id() const { return pad_; }
  const Param& table() const { return E_; }

  /// Throws std::invalid_argument naming the first id outside 0..V-1.
  GENATTN_NOINLINE
  void check_ids(const char* where, const TokenIds& ids) const {
    for (std::size_t n = 0; n < ids.size(); ++n)
      if (ids[n] < 0 || ids[n] >= vocab_)
        throw std::invalid_argument(std::string(where) + ": argument 'ids'[" + std::to_string(n) +
                                    "] = " + std::to_string(ids[n]) + " is outside the vocabulary 0.." +
                                    std::to_string(vocab_ - 1));
  }

  /// y[:, n] = E[:, ids[n]] (0 for the padding id). y must be Dim x ids.size().
  GENATTN_NOINLINE
  void forward(const ParamBuffer<T>& p, const TokenIds& ids, MatRef<T> y) const {
    static constexpr const char* where = "Embedding::forward";
    check_ids(where, ids);
    check_shape(where, "y", y, dim_, static_cast<Index>(ids.size()));
    if (const EncodedSlot* e = p.encoded(E_)) {  // a quantized table: widen the columns looked up
      for (Index n = 0; n < y.cols(); ++n) {
        const TokenId id = ids[static_cast<std::size_t>(n)];
        if (id == pad_)
          y.col(n).setZero();
        else
          e->decode_column(id, y.col(n).data());
      }
      return;
    }
    const auto E = p[E_];
    for (Index n = 0; n < y.cols(); ++n) {
      const TokenId id = ids[static_cast<std::size_t>(n)];
      if (id == pad_)
        y.col(n).setZero();
      else
        y.col(n) = E.col(id);
    }
  }

  /// dE[:, ids[n]] += dy[:, n] for every non-padding id.
  GENATTN_NOINLINE
  void backward(ParamBuffer<T>& grads, const TokenIds& ids, const ConstMatRef<T>& dy) const {
    static constexpr const char* where = "Embedding::backward";
    check_ids(where, ids);
    check_shape(where, "dy", dy, dim_, static_cast<Index>(ids.size()));
    auto dE = grads[E_];
    for (Index n = 0; n < dy.cols(); ++n) {
      const TokenId id = ids[static_cast<std::size_t>(n)];
      if (id != pad_) dE.col(id) += dy.col(n);
    }
  }

 private:
  Index vocab_, dim_;
  TokenId pad_;
  Param E_;
};

// compiled once in a program that links the instances (core/instances.hpp)
GENATTN_EXTERN_MODULE(Embedding)

GENATTN_NAMESPACE_END
