// What the block leaves out: two models with their parameters, a batch, a
// search.
void run() {
  const readme::Tiny a, b;
  const auto& model_a = a.model;
  const auto& model_b = b.model;
  const genattn::ParamBuffer<float> params_a = a.params;
  const genattn::ParamBuffer<float> params_b = model_b.init_params(6);
  const auto& batch = a.batch;
  genattn::SearchConfig search;
  search.beam = 3;
  // README: block
  readme::expect(ensemble.members() == 2, "an ensemble of 2 expected");
  readme::expect(nbest.size() == 2 && !nbest[0].empty(), "beam search over the ensemble: 2 sentences expected");
}
