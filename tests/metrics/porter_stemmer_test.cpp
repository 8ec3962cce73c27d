#include <gtest/gtest.h>

#include <genattn/metrics/porter_stemmer.hpp>

using namespace genattn;

// Porter's own examples (1980) as NLTK_EXTENSIONS computes them, and NLTK's
// irregular forms. The ROUGE vectors with stemming check it further.
TEST(PorterStemmer, PaperExamplesAndNltkExtensions) {
  const PorterStemmer s;
  const std::pair<const char*, const char*> cases[] = {
      {"caresses", "caress"}, {"ponies", "poni"},   {"cats", "cat"},     {"feed", "feed"},
      {"plastered", "plaster"}, {"motoring", "motor"}, {"sing", "sing"}, {"hopping", "hop"},
      {"falling", "fall"},    {"hissing", "hiss"},  {"happy", "happi"},  {"sky", "sky"},
      {"dying", "die"},       {"skies", "sky"},     {"dies", "die"},     {"flies", "fli"},
      {"relational", "relat"}, {"hopeful", "hope"}, {"goodness", "good"}, {"controll", "control"},
      {"roll", "roll"},       {"by", "by"},         {"a", "a"}};
  for (const auto& [word, stem] : cases) EXPECT_EQ(s.stem(word), stem) << word;
}
