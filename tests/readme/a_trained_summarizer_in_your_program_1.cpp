// What the block leaves out: the model directory "model" it loads (a small
// untrained one: tests/support/text_model_dir.hpp).
void run() {
  genattn_test::write_text_model_dir("model", false);
  // README: block
}
