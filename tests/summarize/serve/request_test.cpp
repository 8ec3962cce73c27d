// The server's request parser (examples/summarize/serve/request.hpp): JSON
// to documents and options, and each refusal with its status and words.
#include "../../../examples/summarize/serve/request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using summarize::DecodeOptions;
using summarize::serve::parse_request;
using summarize::serve::RequestError;
using summarize::serve::RequestLimits;

DecodeOptions server_defaults() {
  DecodeOptions d;
  d.search.beam = 4;
  d.search.max_length = 20;
  return d;
}

/// The status and message parse_request refuses `body` with.
std::pair<int, std::string> refusal(const std::string& body, const RequestLimits& limits = {}) {
  try {
    parse_request(body, server_defaults(), limits);
  } catch (const RequestError& e) {
    return {e.status, e.what()};
  }
  return {0, "accepted"};
}

TEST(ServeRequest, FieldsOverTheServersDefaults) {
  const auto r = parse_request(
      R"({"documents": ["a b", "c\u0007d"], "n_best": 2, "length_penalty": "gnmt", "alpha": 0.8,
          "unknown": "replace", "sample": false, "alignment": true, "seed": 18446744073709551615})",
      server_defaults(), {});
  ASSERT_EQ(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[1], "c d");  // a control character is a space, as the CLI reads it
  EXPECT_EQ(r.decode.search.beam, 4);  // the server's
  EXPECT_EQ(r.decode.search.max_length, 20);
  EXPECT_EQ(r.decode.search.n_best, 2);
  EXPECT_EQ(r.decode.search.length_penalty, genattn::LengthPenalty::gnmt);
  EXPECT_DOUBLE_EQ(r.decode.search.alpha, 0.8);
  EXPECT_EQ(r.decode.search.unknown, genattn::UnknownPolicy::replace);
  EXPECT_EQ(r.decode.search.seed, 18446744073709551615ull);
  EXPECT_TRUE(r.alignment);
  EXPECT_FALSE(r.decode.sample);
}

TEST(ServeRequest, EqualOptionsHaveEqualKeysWhateverTheOrder) {
  const auto a = parse_request(R"({"documents": ["x"], "beam": 2, "top_k": 3})", server_defaults(), {});
  const auto b = parse_request(R"({"top_k": 3, "documents": ["y", "z"], "alignment": true, "beam": 2})",
                               server_defaults(), {});
  const auto c = parse_request(R"({"documents": ["x"], "beam": 3, "top_k": 3})", server_defaults(), {});
  EXPECT_EQ(a.key, b.key);
  EXPECT_NE(a.key, c.key);
}

TEST(ServeRequest, EachBadRequestIsRefusedWithItsStatusAndReason) {
  const struct {
    std::string body;
    int status;
    std::string says;
  } cases[] = {
      {"not json", 400, "malformed JSON"},
      {"", 400, "malformed JSON"},
      {"[1, 2]", 400, "must be a JSON object"},
      {"1e1022", 400, "malformed JSON"},  // past double's range (fuzz_request's find)
      {R"({"documents": ["a"], "beam": -1e400})", 400, "malformed JSON"},
      {"{}", 400, "no \"documents\" field"},
      {R"({"documents": "one"})", 400, "\"documents\" must be an array of strings"},
      {R"({"documents": []})", 400, "\"documents\" is empty"},
      {R"({"documents": ["a", 3]})", 400, "documents[1] is not a string"},
      {"{\"documents\": [\"\xff\"]}", 400, "malformed JSON"},  // invalid UTF-8
      {R"({"documents": ["\ud800"]})", 400, "malformed JSON"},  // a lone surrogate
      {R"({"documents": ["a"], "beam": "4"})", 400, "\"beam\" must be a number"},
      {R"({"documents": ["a"], "beam": 0})", 400, "\"beam\": "},
      {R"({"documents": ["a"], "beam": 2.5})", 400, "\"beam\": "},
      {R"({"documents": ["a"], "top_p": 1.5})", 400, "\"top_p\": "},
      {R"({"documents": ["a"], "seed": -1})", 400, "\"seed\": "},
      {R"({"documents": ["a"], "seed": 18446744073709551616})", 400, "\"seed\": "},
      {R"({"documents": ["a"], "temperature": 0})", 400, "\"temperature\": "},
      {R"({"documents": ["a"], "unknown": "drop"})", 400, "\"unknown\": "},
      {R"({"documents": ["a"], "unknown": 1})", 400, "\"unknown\" must be a string"},
      {R"({"documents": ["a"], "sample": 1})", 400, "\"sample\" must be true or false"},
      {R"({"documents": ["a"], "alignment": "yes"})", 400, "\"alignment\" must be true or false"},
      {R"({"documents": ["a"], "batch_size": 8})", 400, "unknown field \"batch_size\""},
      {R"({"documents": ["a"], "beams": 2})", 400, "unknown field \"beams\" (the fields are documents, alignment, beam,"},
  };
  for (const auto& c : cases) {
    const auto [status, message] = refusal(c.body);
    EXPECT_EQ(status, c.status) << c.body << ": " << message;
    EXPECT_NE(message.find(c.says), std::string::npos) << c.body << ": " << message;
  }
}

TEST(ServeRequest, LimitsAre413) {
  RequestLimits limits;
  limits.max_documents = 2;
  limits.max_document_bytes = 5;
  EXPECT_EQ(refusal(R"({"documents": ["a", "b"]})", limits).first, 0);
  const auto many = refusal(R"({"documents": ["a", "b", "c"]})", limits);
  EXPECT_EQ(many.first, 413);
  EXPECT_NE(many.second.find("3 documents, more than this server's limit of 2"), std::string::npos) << many.second;
  EXPECT_EQ(refusal(R"({"documents": ["12345"]})", limits).first, 0);
  const auto longer = refusal(R"({"documents": ["a", "123456"]})", limits);
  EXPECT_EQ(longer.first, 413);
  EXPECT_NE(longer.second.find("documents[1] has 6 bytes"), std::string::npos) << longer.second;
}

}  // namespace

TEST(ServeRequest, ATitledModelsDocumentsArePackageTabDescription) {
  // a model trained with --package-name: each document PACKAGE\tDESCRIPTION,
  // read as summarize summarize reads its lines
  const auto r = parse_request(R"({"documents": ["libfoo-dev\tThe\u0007headers.", "abook\ta\tb"]})",
                               server_defaults(), {}, true);
  ASSERT_EQ(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[0], "lib foo dev | The headers.");
  EXPECT_EQ(r.documents[1], "abook | a b");
  // untitled, the tab is white space as before
  EXPECT_EQ(parse_request(R"({"documents": ["a\tb"]})", server_defaults(), {}).documents[0], "a b");
  auto titled_refusal = [](const std::string& body) {
    try {
      parse_request(body, server_defaults(), {}, true);
    } catch (const RequestError& e) {
      return std::pair<int, std::string>{e.status, e.what()};
    }
    return std::pair<int, std::string>{0, "accepted"};
  };
  EXPECT_EQ(titled_refusal(R"({"documents": ["a\tb", "no tab"]})"),
            (std::pair<int, std::string>{400, "documents[1]: the model reads each document after its package's name "
                                              "(train --package-name): expected PACKAGE<TAB>DESCRIPTION"}));
  // the size limit is the request's: a titled document may be 3 bytes longer
  // (the tab is " | ", and a leading "lib" gains a space)
  RequestLimits ten;
  ten.max_document_bytes = 10;
  EXPECT_EQ(parse_request(R"({"documents": ["libab\tcdef"]})", server_defaults(), ten, true).documents[0],
            "lib ab | cdef");
  EXPECT_EQ(titled_refusal(R"({"documents": ["+\tb"]})"),
            (std::pair<int, std::string>{400, "documents[0]: the package name is empty"}));
  EXPECT_EQ(titled_refusal(R"({"documents": ["a\t \u0001"]})"),
            (std::pair<int, std::string>{400, "documents[0]: the description after the package name has no words"}));
}
