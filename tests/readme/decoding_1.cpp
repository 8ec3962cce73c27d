// What the block leaves out: a model, its parameters, a batch, a comma's id.
void run() {
  const readme::Tiny tiny;
  const auto& model = tiny.model;
  const auto& params = tiny.params;
  const auto& batch = tiny.batch;
  const genattn::TokenId comma_id = 5;
  // README: block
  readme::expect(nbest.size() == 2 && nbest[0].size() == 3, "beam search: 2 sentences x 3 best expected");
  readme::expect(drawn.size() == 2, "sampling: 2 sentences expected");
}
