// What the block leaves out: the model directories "run-1", "run-2" and
// "run-3" it loads (small untrained ones sharing their vocabularies:
// tests/support/text_model_dir.hpp), and the search.
void run() {
  for (const char* dir : {"run-1", "run-2", "run-3"}) genattn_test::write_text_model_dir(dir, true);
  genattn::SearchConfig search;
  search.beam = 3;
  // README: block
  readme::expect(ensemble.size() == 3, "an ensemble of 3 expected");
}
