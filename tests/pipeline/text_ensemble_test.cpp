#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <genattn/pipeline/text_ensemble.hpp>

#include "support/errors.hpp"
#include "support/temp_dir.hpp"
#include "support/text_model_dir.hpp"

using namespace genattn;
using genattn_test::message_of;
using genattn_test::TempDir;

namespace {

const std::vector<std::string>& kEnsembleDocuments = genattn_test::text_model_documents();

std::string member_dir(const TempDir& dir, const std::string& name, bool copy, std::uint64_t seed,
                      Index max_target = 6) {
  const std::string d = (dir.path / name).string();
  genattn_test::write_text_model_dir(d, copy, max_target, seed);
  return d;
}

std::vector<SearchConfig> ensemble_searches() {
  SearchConfig greedy;
  greedy.beam = 1;
  SearchConfig beam;
  beam.beam = 3;
  beam.n_best = 2;
  beam.length_penalty = LengthPenalty::average;
  return {greedy, beam};
}

}  // namespace

// An ensemble of one summarizes bit for bit as its model alone (texts,
// scores, alignments), with and without copy, through the packs too.
TEST(TextEnsemble, OneMemberSummarizesAsItsModel) {
  TempDir dir("text-ensemble");
  for (const bool copy : {false, true}) {
    const std::string d = member_dir(dir, copy ? "copy" : "plain", copy, 7);
    const TextModel m = TextModel::load(d);
    const TextEnsemble e = TextEnsemble::load({d});
    const TextEnsemble::Packs packs = e.pack();
    for (const SearchConfig& s : ensemble_searches()) {
      const auto alone = m.summarize(kEnsembleDocuments, s), one = e.summarize(kEnsembleDocuments, s);
      DecodeOptions options;
      options.search = s;
      const auto packed = e.summarize(kEnsembleDocuments, options, nullptr, {}, &packs);
      ASSERT_EQ(alone.size(), one.size());
      for (std::size_t i = 0; i < alone.size(); ++i) {
        for (const auto* x : {&one[i], &packed[i]}) {
          EXPECT_EQ(x->texts, alone[i].texts) << copy << i;
          ASSERT_EQ(x->hypotheses.size(), alone[i].hypotheses.size());
          for (std::size_t k = 0; k < alone[i].hypotheses.size(); ++k) {
            EXPECT_EQ(x->hypotheses[k].score, alone[i].hypotheses[k].score);
            EXPECT_EQ(x->hypotheses[k].alignment, alone[i].hypotheses[k].alignment);
          }
        }
      }
    }
  }
}

// A model and itself give the model's summaries; members of other seeds,
// one of them without copy, decode as one (and the ensemble copies).
TEST(TextEnsemble, ItselfTwiceAndMixedMembers) {
  TempDir dir("text-ensemble");
  const std::string a = member_dir(dir, "a", true, 7), b = member_dir(dir, "b", false, 8), c = member_dir(dir, "c", true, 9);
  const TextModel m = TextModel::load(a);
  const TextEnsemble twice = TextEnsemble::load({a, a});
  for (const SearchConfig& s : ensemble_searches()) {
    const auto alone = m.summarize(kEnsembleDocuments, s), both = twice.summarize(kEnsembleDocuments, s);
    for (std::size_t i = 0; i < alone.size(); ++i) EXPECT_EQ(both[i].texts, alone[i].texts) << i;
  }
  const TextEnsemble mixed = TextEnsemble::load({a, b, c});
  EXPECT_TRUE(mixed.copies());
  SearchConfig s = ensemble_searches()[1];
  s.unknown = UnknownPolicy::automatic;
  EXPECT_EQ(mixed.search_for(s).unknown, UnknownPolicy::ban);
  EXPECT_EQ(TextEnsemble::load({b}).search_for(s).unknown, UnknownPolicy::replace);
  const auto out = mixed.summarize(kEnsembleDocuments, s);
  ASSERT_EQ(out.size(), kEnsembleDocuments.size());
  for (const auto& x : out) {
    ASSERT_EQ(x.texts.size(), 2u);
    EXPECT_GE(x.hypotheses[0].score, x.hypotheses[1].score);
    for (const auto& al : x.hypotheses[0].alignment) EXPECT_NEAR(al.sum(), 1.0f, 1e-5f);  // a mean of distributions
  }
  // sampling, seeded: the same twice
  DecodeOptions sampling;
  sampling.sample = true;
  sampling.search.seed = 3;
  const auto s1 = mixed.summarize(kEnsembleDocuments, sampling), s2 = mixed.summarize(kEnsembleDocuments, sampling);
  for (std::size_t i = 0; i < s1.size(); ++i) EXPECT_EQ(s1[i].texts, s2[i].texts);
}

// The members' longest summary is the shortest of theirs.
TEST(TextEnsemble, TheShortestLimitHolds) {
  TempDir dir("text-ensemble");
  const std::string a = member_dir(dir, "a", false, 7, 6), b = member_dir(dir, "b", false, 8, 4);
  const TextEnsemble e = TextEnsemble::load({a, b});
  EXPECT_EQ(e.longest_summary(), 3);
  SearchConfig s;
  s.beam = 1;
  s.min_length = 3;
  for (const auto& x : e.summarize(kEnsembleDocuments, s)) EXPECT_EQ(x.hypotheses.front().tokens.size(), 3u);
}

// Members that do not share the target vocabulary or read documents
// differently are refused in one line naming both; so is an empty ensemble.
TEST(TextEnsemble, MismatchedMembersAreOneLineErrors) {
  TempDir dir("text-ensemble");
  const std::string a = member_dir(dir, "a", false, 7), b = member_dir(dir, "b", false, 8);
  TextModel other = TextModel::load(b);
  other.target = Vocabulary::build({{"just", "other", "words"}});
  std::vector<TextModel> members;
  members.push_back(TextModel::load(a));
  members.push_back(std::move(other));
  const std::string vocab = message_of<TextModelError>([&] { TextEnsemble e(std::move(members), {a, b}); });
  EXPECT_EQ(vocab.find('\n'), std::string::npos);
  EXPECT_NE(vocab.find("ensemble: " + b + " and " + a + " have different target vocabularies"), std::string::npos)
      << vocab;
  TextModel cut = TextModel::load(b);
  cut.text.max_source = 5;
  members.clear();
  members.push_back(TextModel::load(a));
  members.push_back(std::move(cut));
  const std::string text = message_of<TextModelError>([&] { TextEnsemble e(std::move(members)); });
  EXPECT_EQ(text, "ensemble: member 2 and member 1 read documents differently (max_source 5 and 9, lowercase yes "
                  "and yes, titled no and no)");
  // a member trained on titled documents (summarize train --package-name) with one that was not
  TextModel titled = TextModel::load(b);
  titled.text.titled = true;
  members.clear();
  members.push_back(TextModel::load(a));
  members.push_back(std::move(titled));
  EXPECT_EQ(message_of<TextModelError>([&] { TextEnsemble e(std::move(members)); }),
            "ensemble: member 2 and member 1 read documents differently (max_source 9 and 9, lowercase yes and yes, "
            "titled yes and no)");
  EXPECT_EQ(message_of<TextModelError>([] { TextEnsemble e(std::vector<TextModel>{}); }),
            "an ensemble needs at least one model");
  // a directory that does not load names itself
  EXPECT_NE(message_of<TextModelError>([&] { (void)TextEnsemble::load({a, a + "-missing"}); }).find(a + "-missing"),
            std::string::npos);
}
