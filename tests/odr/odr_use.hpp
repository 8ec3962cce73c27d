// tests/odr/odr_use.hpp: exercises the public API; included by both ODR
// translation units, so every header's definitions are instantiated twice.
#pragma once

#include <genattn/genattn.hpp>

inline double odr_use_everything() {
  genattn::ParamLayout layout;
  genattn::BiLstm<double> lstm(layout, "enc", 2, 3);
  genattn::Linear<double> out(layout, "out", 6, 2);
  genattn::Embedding<double> emb(layout, "emb", 5, 2, 0);
  genattn::ParamBuffer<double> p(layout);
  genattn::Rng rng(1);
  genattn::init_params(layout, p, rng);
  genattn::Mat<double> x(2, 4), y(2, 4);
  emb.forward(p, {1, 2, 3, 0}, x);
  genattn::Lstm<double>::Cache cache;
  lstm.forward(p, x, {2, 1}, cache);
  out.forward(p, genattn::Lstm<double>::output(cache), y);
  return y.sum();
}
