// What the block leaves out: a model, its parameters and a batch.
void run() {
  const readme::Tiny tiny;
  const auto& model = tiny.model;
  const auto& params = tiny.params;
  const auto& batch = tiny.batch;
  // README: block
  genattn::SearchConfig greedy;
  greedy.beam = 1;
  readme::expect(genattn::greedy_search(dec, greedy).size() == 2, "greedy: 2 sentences expected");
}
