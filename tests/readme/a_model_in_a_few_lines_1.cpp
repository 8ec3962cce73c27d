// What the block leaves out: two pairs of token ids (0-3 are the special ids).
void run() {
  const std::vector<genattn::TokenIds> sources{{4, 5, 6, 7}, {8, 9, 10}}, targets{{5, 6}, {11, 12, 13}};
  // README: block
  readme::expect(outputs.size() == 2, "greedy_search gave " + std::to_string(outputs.size()) + " outputs for 2 sources");
}
